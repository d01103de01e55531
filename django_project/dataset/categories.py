"""Olist's product categories: Portuguese names, English translations and how products differ.

Names follow the release's conventions, including its English typos (``home_confort``,
``fashio_female_clothing``...), because downstream joins match them verbatim. Two categories
appear on products but have no row in the translation file, as in the release; the loader and
the warehouse must cope with an untranslated category.

Per category, for the generator:

* ``product_share``: how many catalogue products fall in it (relative; bed/bath/table, sports
  and furniture are the big ones, CDs and insurance nearly empty);
* ``price_median`` (R$) and ``price_sigma``: a lognormal price level, so computers cost far more
  than phone accessories and category revenue rankings look like a real shop's;
* ``weight_median_g``: a typical shipping weight, which drives freight (furniture is heavy).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    english: str | None
    product_share: float
    price_median: float
    price_sigma: float
    weight_median_g: float


# In the translation file's row order; the untranslated ones last.
CATEGORIES: tuple[Category, ...] = (
    Category("beleza_saude", "health_beauty", 2444, 80, 0.95, 500),
    Category("informatica_acessorios", "computers_accessories", 1639, 75, 1.05, 500),
    Category("automotivo", "auto", 1900, 80, 1.0, 1000),
    Category("cama_mesa_banho", "bed_bath_table", 3029, 75, 0.7, 1500),
    Category("moveis_decoracao", "furniture_decor", 2657, 65, 0.85, 2500),
    Category("esporte_lazer", "sports_leisure", 2867, 70, 0.9, 900),
    Category("perfumaria", "perfumery", 868, 90, 0.85, 400),
    Category("utilidades_domesticas", "housewares", 2335, 60, 0.9, 1200),
    Category("telefonia", "telephony", 1134, 35, 0.95, 200),
    Category("relogios_presentes", "watches_gifts", 1329, 150, 0.85, 350),
    Category("alimentos_bebidas", "food_drink", 104, 40, 0.85, 800),
    Category("bebes", "baby", 919, 90, 0.9, 1500),
    Category("papelaria", "stationery", 849, 55, 0.95, 500),
    Category("tablets_impressao_imagem", "tablets_printing_image", 9, 70, 0.75, 400),
    Category("brinquedos", "toys", 1411, 80, 0.9, 800),
    Category("telefonia_fixa", "fixed_telephony", 116, 110, 1.15, 600),
    Category("ferramentas_jardim", "garden_tools", 753, 70, 0.95, 1300),
    Category("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 849, 50, 0.9, 350),
    Category("eletroportateis", "small_appliances", 231, 160, 0.95, 2500),
    Category("consoles_games", "consoles_games", 317, 90, 1.05, 500),
    Category("audio", "audio", 58, 90, 0.95, 500),
    Category("fashion_calcados", "fashion_shoes", 173, 80, 0.75, 700),
    Category("cool_stuff", "cool_stuff", 789, 120, 0.85, 1200),
    Category("malas_acessorios", "luggage_accessories", 349, 130, 0.75, 2500),
    Category("climatizacao", "air_conditioning", 124, 120, 1.05, 3000),
    Category(
        "construcao_ferramentas_construcao", "construction_tools_construction", 400, 90, 0.95, 1500
    ),
    Category(
        "moveis_cozinha_area_de_servico_jantar_e_jardim",
        "kitchen_dining_laundry_garden_furniture",
        94,
        150,
        0.85,
        8000,
    ),
    Category("construcao_ferramentas_jardim", "costruction_tools_garden", 88, 90, 0.95, 2000),
    Category("fashion_roupa_masculina", "fashion_male_clothing", 95, 65, 0.75, 400),
    Category("pet_shop", "pet_shop", 719, 70, 0.95, 1200),
    Category("moveis_escritorio", "office_furniture", 309, 160, 0.65, 12000),
    Category("market_place", "market_place", 104, 90, 0.95, 1000),
    Category("eletronicos", "electronics", 517, 35, 1.05, 300),
    Category("eletrodomesticos", "home_appliances", 370, 60, 1.05, 1500),
    Category("artigos_de_festas", "party_supplies", 26, 50, 0.85, 400),
    Category("casa_conforto", "home_confort", 111, 90, 0.85, 2500),
    Category("construcao_ferramentas_ferramentas", "costruction_tools_tools", 39, 90, 0.95, 1500),
    Category("agro_industria_e_comercio", "agro_industry_and_commerce", 74, 200, 1.15, 3000),
    Category("moveis_colchao_e_estofado", "furniture_mattress_and_upholstery", 10, 100, 0.75, 5000),
    Category("livros_tecnicos", "books_technical", 123, 70, 0.65, 700),
    Category("casa_construcao", "home_construction", 225, 100, 0.95, 2000),
    Category("instrumentos_musicais", "musical_instruments", 289, 180, 1.05, 1800),
    Category("moveis_sala", "furniture_living_room", 156, 110, 0.85, 6000),
    Category("construcao_ferramentas_iluminacao", "construction_tools_lights", 78, 80, 0.95, 800),
    Category(
        "industria_comercio_e_negocios", "industry_commerce_and_business", 68, 110, 1.15, 2000
    ),
    Category("alimentos", "food", 82, 35, 0.85, 800),
    Category("artes", "art", 55, 70, 1.05, 700),
    Category("moveis_quarto", "furniture_bedroom", 45, 140, 0.85, 6000),
    Category("livros_interesse_geral", "books_general_interest", 216, 45, 0.65, 500),
    Category("construcao_ferramentas_seguranca", "construction_tools_safety", 91, 100, 1.05, 1500),
    Category("fashion_underwear_e_moda_praia", "fashion_underwear_beach", 53, 45, 0.75, 200),
    Category("fashion_esporte", "fashion_sport", 19, 60, 0.75, 300),
    Category("sinalizacao_e_seguranca", "signaling_and_security", 93, 60, 0.95, 800),
    Category("pcs", "computers", 30, 900, 0.65, 6000),
    Category("artigos_de_natal", "christmas_supplies", 65, 50, 0.85, 700),
    Category("fashion_roupa_feminina", "fashio_female_clothing", 48, 55, 0.75, 350),
    Category("eletrodomesticos_2", "home_appliances_2", 90, 300, 0.95, 8000),
    Category("livros_importados", "books_imported", 31, 60, 0.65, 600),
    Category("bebidas", "drinks", 81, 45, 0.85, 1200),
    Category("cine_foto", "cine_photo", 28, 60, 1.05, 500),
    Category("la_cuisine", "la_cuisine", 10, 120, 0.85, 2000),
    Category("musica", "music", 27, 100, 1.05, 600),
    Category("casa_conforto_2", "home_comfort_2", 5, 30, 0.65, 600),
    Category(
        "portateis_casa_forno_e_cafe", "small_appliances_home_oven_and_coffee", 31, 350, 0.85, 3000
    ),
    Category("cds_dvds_musicais", "cds_dvds_musicals", 1, 55, 0.35, 300),
    Category("dvds_blu_ray", "dvds_blu_ray", 48, 40, 0.75, 200),
    Category("flores", "flowers", 14, 35, 0.65, 300),
    Category("artes_e_artesanato", "arts_and_craftmanship", 19, 45, 0.85, 400),
    Category("fraldas_higiene", "diapers_and_hygiene", 12, 50, 0.65, 2000),
    Category("fashion_roupa_infanto_juvenil", "fashion_childrens_clothes", 5, 50, 0.65, 300),
    Category("seguros_e_servicos", "security_and_services", 2, 140, 0.45, 500),
    Category("pc_gamer", None, 3, 170, 0.65, 600),
    Category("portateis_cozinha_e_preparadores_de_alimentos", None, 10, 160, 0.95, 2000),
)

TRANSLATED: tuple[Category, ...] = tuple(c for c in CATEGORIES if c.english is not None)
UNTRANSLATED: tuple[Category, ...] = tuple(c for c in CATEGORIES if c.english is None)

# Products without a category get prices and weights like an average product.
UNCATEGORISED_PRICE_MEDIAN = 75.0
UNCATEGORISED_PRICE_SIGMA = 0.9
UNCATEGORISED_WEIGHT_MEDIAN_G = 900.0
