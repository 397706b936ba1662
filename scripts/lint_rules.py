"""The project's layout rules, checked by dbt-score on dbt's manifest (`make lint`):

- the flow runs one way: no intermediate model reads a mart;
- every model has a primary-key test (unique and not_null on one column, or
  unique_combination_of_columns), or says in its meta (no_primary_key) why it has none;
- every model an exposure names (what BI or a sync reads) has an enforced contract;
- no model switches on the engine itself: target.type is read in macros (one per switch) and
  dbt_project.yml only.

pyproject.toml ([tool.dbt-score]) makes these the only rules and fails on any violation.
"""

from dbt_score import Exposure, Model, RuleViolation, rule

MART_FOLDER = "models/marts/"
INTERMEDIATE_FOLDER = "models/intermediate/"


@rule
def intermediate_reads_no_mart(model: Model) -> RuleViolation | None:
    """An intermediate model reads staging and intermediate models only, never a mart."""
    if not model.original_file_path.startswith(INTERMEDIATE_FOLDER):
        return None
    marts = sorted(p.name for p in model.parents if getattr(p, "original_file_path", "").startswith(MART_FOLDER))
    if marts:
        return RuleViolation(message=f"reads the mart(s) {', '.join(marts)}: read the intermediate model the mart publishes")
    return None


def tested_columns(model: Model, test_type: str) -> set[str]:
    return {test.kwargs.get("column_name") or "" for test in model.tests if test.type == test_type} | {
        column.name for column in model.columns for test in column.tests if test.type == test_type
    }


@rule
def has_primary_key_test(model: Model) -> RuleViolation | None:
    """A model has a primary-key test, or its meta no_primary_key says why it cannot have one."""
    if model.meta.get("no_primary_key"):
        return None
    keyed = (tested_columns(model, "unique") & tested_columns(model, "not_null")) - {""}
    if keyed or any(test.type == "unique_combination_of_columns" for test in model.tests):
        return None
    return RuleViolation(
        message="no primary-key test: unique and not_null on its key column, unique_combination_of_columns, "
        "or meta no_primary_key with the reason"
    )


@rule
def exposed_models_have_contracts(exposure: Exposure) -> RuleViolation | None:
    """Every model an exposure reads (BI, a sync) has an enforced contract."""
    loose = sorted(
        parent.name
        for parent in exposure.parents
        if isinstance(parent, Model) and not (parent.config.get("contract") or {}).get("enforced")
    )
    if loose:
        return RuleViolation(message=f"reads model(s) without an enforced contract: {', '.join(loose)}")
    return None


@rule
def engine_switches_live_in_macros(model: Model) -> RuleViolation | None:
    """A model's code does not read target.type: each engine switch is a macro (macros/cross_db)."""
    if "target.type" in model.raw_code:
        return RuleViolation(message="reads target.type: put the engine switch in a macro under macros/cross_db")
    return None
