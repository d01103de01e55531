"""The cleaning job checks against the shop's own vocabularies, generated into its package."""

from __future__ import annotations

from core import domain
from core.glue_vocabulary import GLUE_MODULE, render

from olist_cleaning import shop_vocabulary


def test_the_job_s_vocabularies_are_the_shop_s():
    assert shop_vocabulary.STATE_CODES == domain.STATE_CODES
    assert shop_vocabulary.ORDER_STATUSES == domain.ORDER_STATUSES
    assert shop_vocabulary.PAYMENT_TYPES == domain.PAYMENT_TYPES
    assert shop_vocabulary.OLIST_ID_PATTERN == domain.OLIST_ID_PATTERN
    assert shop_vocabulary.ZIP_PREFIX_PATTERN == domain.ZIP_PREFIX_PATTERN


def test_the_generated_module_is_current():
    assert GLUE_MODULE.read_text() == render(), "run make glue-vocabulary"


def test_the_generated_module_keeps_the_source_but_its_docstring():
    source = '''"""The shop's words."""

# States.
STATES = ("SP",)
'''
    rendered = render(source)
    assert rendered.startswith('"""The shop\'s vocabularies, for the cleaning job.')
    assert "The shop's words" not in rendered
    assert rendered.endswith('# States.\nSTATES = ("SP",)\n')
