"""Brazil as the Olist release sees it: 27 states (UFs), their zip (CEP) ranges and main cities.

The generator places customers, sellers and geolocation points with these facts, and the
warehouse reuses the state table as its region dimension, so this module is plain data with no
behaviour beyond simple lookups.

Figures are approximate on purpose:

* ``lat``/``lng`` of a state is a rough geographic centre; of a city, its downtown;
* ``customer_share`` and ``seller_share`` are the percentages of Olist customers and sellers
  in each state (they are weights, so they need not add up to exactly 100);
* a city's ``weight`` is its relative size among the listed cities of its state, and cities are
  listed in the order of their zip codes, so that splitting a state's zip range into consecutive
  blocks gives each city a plausible block (capitals hold the lowest codes, as in Brazil).

City names are spelled as the customers and sellers files spell them (lowercase, no accents);
``accented`` is the spelling some geolocation rows use for the same place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Region = Literal["North", "Northeast", "Center-West", "Southeast", "South"]


@dataclass(frozen=True)
class City:
    name: str
    accented: str
    lat: float
    lng: float
    weight: float


@dataclass(frozen=True)
class State:
    code: str
    name: str
    region: Region
    lat: float
    lng: float
    # Inclusive ranges of 5-digit zip prefixes (the first five digits of a CEP).
    zip_ranges: tuple[tuple[int, int], ...]
    customer_share: float
    seller_share: float
    cities: tuple[City, ...]

    @property
    def zip_prefix_count(self) -> int:
        return sum(last - first + 1 for first, last in self.zip_ranges)


def _city(name: str, lat: float, lng: float, weight: float, accented: str | None = None) -> City:
    return City(name=name, accented=accented or name, lat=lat, lng=lng, weight=weight)


# In the order of core.domain.STATE_CODES (alphabetical by code).
STATES: tuple[State, ...] = (
    State(
        "AC", "Acre", "North", -9.0, -70.5, ((69900, 69999),), 0.08, 0.03,
        (
            _city("rio branco", -9.975, -67.81, 80),
            _city("sena madureira", -9.07, -68.66, 6),
            _city("cruzeiro do sul", -7.63, -72.67, 14),
        ),
    ),
    State(
        "AL", "Alagoas", "Northeast", -9.6, -36.6, ((57000, 57999),), 0.41, 0.0,
        (
            _city("maceio", -9.665, -35.735, 60, "maceió"),
            _city("rio largo", -9.48, -35.85, 6),
            _city("palmeira dos indios", -9.41, -36.63, 7, "palmeira dos índios"),
            _city("penedo", -10.29, -36.58, 5),
            _city("arapiraca", -9.75, -36.66, 22),
        ),
    ),
    State(
        "AM", "Amazonas", "North", -4.0, -63.0, ((69000, 69299), (69400, 69899)), 0.15, 0.03,
        (
            _city("manaus", -3.12, -60.02, 90),
            _city("manacapuru", -3.29, -60.62, 3),
            _city("itacoatiara", -3.14, -58.44, 4),
            _city("parintins", -2.63, -56.74, 3),
        ),
    ),
    State(
        "AP", "Amapá", "North", 1.4, -51.8, ((68900, 68999),), 0.07, 0.0,
        (
            _city("macapa", 0.035, -51.07, 80, "macapá"),
            _city("santana", -0.058, -51.17, 20),
        ),
    ),
    State(
        "BA", "Bahia", "Northeast", -12.5, -41.7, ((40000, 48999),), 3.4, 0.6,
        (
            _city("salvador", -12.97, -38.50, 45),
            _city("lauro de freitas", -12.89, -38.33, 8),
            _city("camacari", -12.70, -38.32, 6, "camaçari"),
            _city("feira de santana", -12.27, -38.97, 12),
            _city("juazeiro", -9.41, -40.50, 5),
            _city("ilheus", -14.79, -39.05, 5, "ilhéus"),
            _city("itabuna", -14.79, -39.28, 5),
            _city("vitoria da conquista", -14.86, -40.84, 8, "vitória da conquista"),
            _city("barreiras", -12.15, -45.00, 4),
        ),
    ),
    State(
        "CE", "Ceará", "Northeast", -5.2, -39.5, ((60000, 63999),), 1.3, 0.42,
        (
            _city("fortaleza", -3.73, -38.52, 65),
            _city("caucaia", -3.74, -38.65, 8),
            _city("maracanau", -3.87, -38.63, 6, "maracanaú"),
            _city("sobral", -3.69, -40.35, 6),
            _city("crato", -7.23, -39.41, 4),
            _city("juazeiro do norte", -7.21, -39.31, 8),
        ),
    ),
    State(
        "DF", "Distrito Federal", "Center-West", -15.8, -47.9,
        ((70000, 72799), (73000, 73699)), 2.1, 1.0,
        (
            _city("brasilia", -15.79, -47.88, 70, "brasília"),
            _city("guara", -15.82, -47.98, 3, "guará"),
            _city("taguatinga", -15.83, -48.06, 10),
            _city("ceilandia", -15.82, -48.11, 8, "ceilândia"),
            _city("gama", -16.02, -48.07, 5),
            _city("sobradinho", -15.65, -47.79, 4),
        ),
    ),
    State(
        "ES", "Espírito Santo", "Southeast", -19.6, -40.6, ((29000, 29999),), 2.0, 0.75,
        (
            _city("vitoria", -20.32, -40.34, 25, "vitória"),
            _city("vila velha", -20.33, -40.29, 25),
            _city("cariacica", -20.26, -40.42, 12),
            _city("serra", -20.13, -40.31, 20),
            _city("linhares", -19.39, -40.07, 5),
            _city("colatina", -19.54, -40.63, 5),
            _city("cachoeiro de itapemirim", -20.85, -41.11, 8),
        ),
    ),
    State(
        "GO", "Goiás", "Center-West", -15.9, -49.6, ((72800, 72999), (73700, 76799)), 2.0, 1.3,
        (
            _city("luziania", -16.25, -47.95, 5, "luziânia"),
            _city("goiania", -16.68, -49.25, 55, "goiânia"),
            _city("aparecida de goiania", -16.82, -49.24, 15, "aparecida de goiânia"),
            _city("catalao", -18.17, -47.94, 4, "catalão"),
            _city("itumbiara", -18.42, -49.22, 3),
            _city("anapolis", -16.33, -48.95, 12, "anápolis"),
            _city("rio verde", -17.79, -50.92, 7),
        ),
    ),
    State(
        "MA", "Maranhão", "Northeast", -5.0, -45.3, ((65000, 65999),), 0.75, 0.03,
        (
            _city("sao luis", -2.53, -44.30, 60, "são luís"),
            _city("caxias", -4.86, -43.36, 7),
            _city("timon", -5.09, -42.84, 8),
            _city("balsas", -7.53, -46.04, 4),
            _city("imperatriz", -5.53, -47.48, 18),
            _city("acailandia", -4.95, -47.50, 3, "açailândia"),
        ),
    ),
    State(
        "MG", "Minas Gerais", "Southeast", -18.5, -44.6, ((30000, 39999),), 12.0, 8.0,
        (
            _city("belo horizonte", -19.92, -43.94, 30),
            _city("contagem", -19.93, -44.05, 8),
            _city("betim", -19.97, -44.20, 5),
            _city("nova lima", -19.99, -43.85, 2),
            _city("sete lagoas", -19.47, -44.25, 3),
            _city("divinopolis", -20.14, -44.89, 3, "divinópolis"),
            _city("ipatinga", -19.47, -42.54, 3),
            _city("governador valadares", -18.85, -41.95, 3),
            _city("juiz de fora", -21.76, -43.35, 7),
            _city("varginha", -21.55, -45.43, 2),
            _city("pocos de caldas", -21.79, -46.56, 3, "poços de caldas"),
            _city("uberaba", -19.75, -47.93, 4),
            _city("uberlandia", -18.92, -48.28, 8, "uberlândia"),
            _city("montes claros", -16.73, -43.86, 5),
        ),
    ),
    State(
        "MS", "Mato Grosso do Sul", "Center-West", -20.5, -54.8, ((79000, 79999),), 0.7, 0.16,
        (
            _city("campo grande", -20.47, -54.62, 60),
            _city("corumba", -19.01, -57.65, 6, "corumbá"),
            _city("tres lagoas", -20.79, -51.70, 8, "três lagoas"),
            _city("dourados", -22.22, -54.81, 15),
            _city("ponta pora", -22.54, -55.73, 5, "ponta porã"),
        ),
    ),
    State(
        "MT", "Mato Grosso", "Center-West", -12.9, -55.9, ((78000, 78899),), 0.9, 0.13,
        (
            _city("cuiaba", -15.60, -56.10, 45, "cuiabá"),
            _city("varzea grande", -15.65, -56.13, 18, "várzea grande"),
            _city("tangara da serra", -14.62, -57.49, 6, "tangará da serra"),
            _city("rondonopolis", -16.47, -54.64, 12, "rondonópolis"),
            _city("sinop", -11.86, -55.50, 10),
            _city("sorriso", -12.55, -55.72, 5),
        ),
    ),
    State(
        "PA", "Pará", "North", -3.8, -52.5, ((66000, 68899),), 1.0, 0.03,
        (
            _city("belem", -1.46, -48.49, 55, "belém"),
            _city("ananindeua", -1.37, -48.37, 15),
            _city("castanhal", -1.30, -47.92, 6),
            _city("maraba", -5.37, -49.12, 8, "marabá"),
            _city("parauapebas", -6.07, -49.90, 6),
            _city("santarem", -2.44, -54.71, 10, "santarém"),
        ),
    ),
    State(
        "PB", "Paraíba", "Northeast", -7.1, -36.8, ((58000, 58999),), 0.54, 0.2,
        (
            _city("joao pessoa", -7.12, -34.88, 55, "joão pessoa"),
            _city("bayeux", -7.13, -34.93, 6),
            _city("santa rita", -7.11, -34.98, 7),
            _city("campina grande", -7.23, -35.88, 25),
            _city("patos", -7.02, -37.28, 7),
        ),
    ),
    State(
        "PE", "Pernambuco", "Northeast", -8.4, -37.9, ((50000, 56999),), 1.7, 0.3,
        (
            _city("recife", -8.05, -34.90, 45),
            _city("olinda", -8.01, -34.87, 10),
            _city("paulista", -7.94, -34.88, 8),
            _city("jaboatao dos guararapes", -8.11, -35.01, 14, "jaboatão dos guararapes"),
            _city("caruaru", -8.28, -35.98, 10),
            _city("garanhuns", -8.89, -36.49, 3),
            _city("petrolina", -9.39, -40.50, 10),
        ),
    ),
    State(
        "PI", "Piauí", "Northeast", -7.7, -42.7, ((64000, 64999),), 0.5, 0.03,
        (
            _city("teresina", -5.09, -42.80, 70),
            _city("parnaiba", -2.90, -41.78, 12, "parnaíba"),
            _city("picos", -7.08, -41.47, 10),
            _city("floriano", -6.77, -43.02, 8),
        ),
    ),
    State(
        "PR", "Paraná", "South", -24.6, -51.6, ((80000, 87999),), 5.0, 11.0,
        (
            _city("curitiba", -25.43, -49.27, 40),
            _city("colombo", -25.29, -49.22, 5),
            _city("sao jose dos pinhais", -25.53, -49.21, 7, "são josé dos pinhais"),
            _city("ponta grossa", -25.09, -50.16, 7),
            _city("guarapuava", -25.39, -51.46, 4),
            _city("londrina", -23.31, -51.16, 12),
            _city("apucarana", -23.55, -51.46, 2),
            _city("maringa", -23.42, -51.94, 10, "maringá"),
            _city("foz do iguacu", -25.55, -54.59, 6, "foz do iguaçu"),
            _city("cascavel", -24.96, -53.46, 7),
        ),
    ),
    State(
        "RJ", "Rio de Janeiro", "Southeast", -22.3, -42.7, ((20000, 28999),), 13.0, 5.5,
        (
            _city("rio de janeiro", -22.91, -43.17, 60),
            _city("duque de caxias", -22.79, -43.31, 6),
            _city("nova iguacu", -22.76, -43.45, 6, "nova iguaçu"),
            _city("niteroi", -22.88, -43.10, 8, "niterói"),
            _city("sao goncalo", -22.83, -43.05, 7, "são gonçalo"),
            _city("petropolis", -22.51, -43.18, 4, "petrópolis"),
            _city("volta redonda", -22.52, -44.10, 3),
            _city("campos dos goytacazes", -21.75, -41.32, 4),
            _city("macae", -22.37, -41.79, 2, "macaé"),
        ),
    ),
    State(
        "RN", "Rio Grande do Norte", "Northeast", -5.8, -36.6, ((59000, 59999),), 0.49, 0.16,
        (
            _city("natal", -5.79, -35.21, 65),
            _city("parnamirim", -5.92, -35.26, 12),
            _city("caico", -6.46, -37.10, 5, "caicó"),
            _city("mossoro", -5.19, -37.34, 18, "mossoró"),
        ),
    ),
    State(
        "RO", "Rondônia", "North", -10.9, -62.8, ((76800, 76999),), 0.25, 0.06,
        (
            _city("porto velho", -8.76, -63.90, 50),
            _city("ariquemes", -9.91, -63.04, 12),
            _city("ji-parana", -10.88, -61.95, 18, "ji-paraná"),
            _city("cacoal", -11.44, -61.45, 8),
            _city("vilhena", -12.74, -60.15, 12),
        ),
    ),
    State(
        "RR", "Roraima", "North", 2.1, -61.4, ((69300, 69399),), 0.05, 0.0,
        (
            _city("boa vista", 2.82, -60.67, 90),
            _city("rorainopolis", 0.94, -60.43, 10, "rorainópolis"),
        ),
    ),
    State(
        "RS", "Rio Grande do Sul", "South", -30.0, -53.2, ((90000, 99999),), 5.5, 4.0,
        (
            _city("porto alegre", -30.03, -51.23, 35),
            _city("canoas", -29.92, -51.18, 8),
            _city("gravatai", -29.94, -50.99, 5, "gravataí"),
            _city("sao leopoldo", -29.76, -51.15, 5, "são leopoldo"),
            _city("novo hamburgo", -29.68, -51.13, 6),
            _city("caxias do sul", -29.17, -51.18, 10),
            _city("pelotas", -31.77, -52.34, 8),
            _city("rio grande", -32.03, -52.10, 4),
            _city("santa maria", -29.69, -53.81, 7),
            _city("passo fundo", -28.26, -52.41, 5),
        ),
    ),
    State(
        "SC", "Santa Catarina", "South", -27.3, -50.4, ((88000, 89999),), 3.7, 3.6,
        (
            _city("florianopolis", -27.60, -48.55, 22, "florianópolis"),
            _city("sao jose", -27.61, -48.63, 10, "são josé"),
            _city("itajai", -26.91, -48.66, 8, "itajaí"),
            _city("balneario camboriu", -26.99, -48.63, 6, "balneário camboriú"),
            _city("criciuma", -28.68, -49.37, 8, "criciúma"),
            _city("lages", -27.82, -50.33, 4),
            _city("chapeco", -27.10, -52.62, 8, "chapecó"),
            _city("joinville", -26.30, -48.85, 20),
            _city("blumenau", -26.92, -49.07, 14),
        ),
    ),
    State(
        "SE", "Sergipe", "Northeast", -10.6, -37.4, ((49000, 49999),), 0.35, 0.06,
        (
            _city("aracaju", -10.91, -37.07, 70),
            _city("nossa senhora do socorro", -10.86, -37.13, 12),
            _city("lagarto", -10.92, -37.65, 9),
            _city("itabaiana", -10.68, -37.43, 9),
        ),
    ),
    State(
        "SP", "São Paulo", "Southeast", -22.2, -48.8, ((1000, 19999),), 42.0, 60.0,
        (
            _city("sao paulo", -23.55, -46.63, 45, "são paulo"),
            _city("osasco", -23.53, -46.79, 3),
            _city("barueri", -23.51, -46.88, 1.5),
            _city("guarulhos", -23.46, -46.53, 4),
            _city("mogi das cruzes", -23.52, -46.19, 2),
            _city("santo andre", -23.66, -46.53, 3, "santo andré"),
            _city("sao bernardo do campo", -23.69, -46.56, 3, "são bernardo do campo"),
            _city("santos", -23.96, -46.33, 2.5),
            _city("taubate", -23.03, -45.56, 1.5, "taubaté"),
            _city("sao jose dos campos", -23.18, -45.89, 3, "são josé dos campos"),
            _city("campinas", -22.91, -47.06, 5),
            _city("jundiai", -23.19, -46.88, 2, "jundiaí"),
            _city("piracicaba", -22.73, -47.65, 2),
            _city("limeira", -22.56, -47.40, 1.5),
            _city("sao carlos", -22.02, -47.89, 1, "são carlos"),
            _city("mogi guacu", -22.37, -46.94, 1, "mogi guaçu"),
            _city("ribeirao preto", -21.18, -47.81, 3, "ribeirão preto"),
            _city("franca", -20.54, -47.40, 1.5),
            _city("araraquara", -21.79, -48.18, 1),
            _city("ibitinga", -21.76, -48.83, 0.5),
            _city("sao jose do rio preto", -20.81, -49.38, 2, "são josé do rio preto"),
            _city("bauru", -22.31, -49.06, 2),
            _city("marilia", -22.22, -49.95, 1, "marília"),
            _city("sorocaba", -23.50, -47.46, 3),
            _city("presidente prudente", -22.12, -51.39, 1),
        ),
    ),
    State(
        "TO", "Tocantins", "North", -10.2, -48.3, ((77000, 77999),), 0.28, 0.0,
        (
            _city("palmas", -10.18, -48.33, 50),
            _city("porto nacional", -10.71, -48.42, 5),
            _city("gurupi", -11.73, -49.07, 15),
            _city("araguaina", -7.19, -48.21, 30, "araguaína"),
        ),
    ),
)  # fmt: skip

STATE_CODES: tuple[str, ...] = tuple(state.code for state in STATES)
BY_CODE: dict[str, State] = {state.code: state for state in STATES}

# Brazil's bounding box, loosely: a geolocation point outside it is a geocoding error.
LAT_RANGE = (-34.0, 6.0)
LNG_RANGE = (-74.0, -34.0)
