"""``make bench``'s comparison: which figure is read from where in each harness's JSON, and how
each target is judged against the baseline measured in the same session."""

from __future__ import annotations

import pytest

from benchmarks.compare import figures, judge


def harness_output(full: float, quiet: float, clean: float, clean_small: float) -> dict:
    """The parts of ``python -m benchmarks`` output that the comparison reads."""
    run = {"dag_seconds": full, "stages": {"lake.clean": clean}}
    small_run = {"dag_seconds": 9.0, "stages": {"lake.clean": clean_small}}
    return {
        "e2e": {
            "e2e": {
                "scales": {
                    "1": {"full_refresh": run, "rerun_no_change": {"dag_seconds": quiet}},
                    "0.01": {"full_refresh": small_run},
                }
            }
        },
        "load": {"load_scale_1": {"median": {"ratio": 17.9, "load": {"seconds": 30.0}}}},
    }


def test_each_figure_is_set_beside_its_baseline_with_the_ratio_and_the_verdict():
    before = harness_output(full=192.0, quiet=30.0, clean=91.0, clean_small=30.0)
    after = harness_output(full=90.0, quiet=6.0, clean=20.0, clean_small=9.0)
    after["load"]["load_scale_1"]["median"] |= {"ratio": 5.5, "non_empty_ratio": 1.2}

    table = figures(before, after)

    assert table["full_run_seconds"] == {
        "baseline": 192.0,
        "this": 90.0,
        "ratio": 0.469,
        "target": "ratio<=0.5",
        "met": True,
    }
    assert table["quiet_run_seconds"]["met"] is False  # 6 / 30 = 0.2 > 0.15
    assert table["cleaning_share_of_full_run"]["this"] == 0.222
    assert table["cleaning_share_of_full_run"]["met"] is False
    assert table["spark_fixed_cost_seconds_scale_0.01"]["met"] is True
    assert table["loader_over_plain_copy"]["met"] is True
    # A figure only the newer harness measures has no baseline, but is still judged.
    assert table["loader_non_empty_over_empty"] == {
        "baseline": None,
        "this": 1.2,
        "ratio": None,
        "target": "<=1.5",
        "met": True,
    }
    # Without a Spark server, every run starts its own Spark: the start is in every run.
    assert table["spark_start_and_fixed_cost_seconds_scale_0.01"]["this"] == 9.0


def test_a_first_run_on_a_new_spark_server_is_set_beside_the_baseline_s_every_run():
    before = harness_output(full=192.0, quiet=30.0, clean=91.0, clean_small=30.0)
    after = harness_output(full=90.0, quiet=6.0, clean=20.0, clean_small=4.0)
    first = {"full_refresh": {"dag_seconds": 40.0, "stages": {"lake.clean": 21.0}}}
    after["e2e"]["e2e"]["scales"]["0.01"]["first_run_on_a_new_spark_server"] = first

    table = figures(before, after)

    assert table["spark_fixed_cost_seconds_scale_0.01"]["this"] == 4.0
    assert table["spark_start_and_fixed_cost_seconds_scale_0.01"] == {
        "baseline": 30.0,
        "this": 21.0,
        "ratio": 0.7,
        "target": "info",
        "met": None,
    }


def test_groups_that_did_not_run_are_left_out():
    before = harness_output(full=192.0, quiet=30.0, clean=91.0, clean_small=30.0)
    table = figures(before, before)
    # Figures of groups that did not run are left out rather than reported empty.
    assert "api_placement_p99_ms" not in table and "make_test_seconds" not in table


@pytest.mark.parametrize(
    ("rule", "before", "after", "met"),
    [
        ("ratio<=0.5", 10.0, 5.0, True),
        ("ratio<=0.5", 10.0, 5.1, False),
        ("ratio>=0.95", 400.0, 379.0, False),
        ("ratio>=0.95", 400.0, 381.0, True),
        ("<100", None, 99.9, True),
        ("<100", None, 100.0, False),
        ("<=0", None, 0, True),
        ("info", 1.0, 2.0, None),
        ("ratio<=1", None, 5.0, None),
    ],
)
def test_targets_are_judged_on_the_ratio_or_on_the_value(rule, before, after, met):
    assert judge(rule, before, after) is met


def test_a_quiet_run_that_extracted_rows_is_shown_but_not_judged():
    before = harness_output(full=192.0, quiet=30.0, clean=91.0, clean_small=30.0)
    after = harness_output(full=90.0, quiet=58.0, clean=20.0, clean_small=9.0)
    # The median run was quiet; one measured run was not (the shop changed inside its interval).
    scale = after["e2e"]["e2e"]["scales"]["1"]
    scale["rerun_no_change"]["extracted_rows"] = 0
    scale["each_run"] = [
        {"rerun_no_change": {"extracted_rows": 0}},
        {"rerun_no_change": {"extracted_rows": 1_388_532}},
    ]

    quiet = figures(before, after)["quiet_run_seconds"]

    assert quiet["this"] == 58.0 and quiet["ratio"] == 1.933
    assert quiet["met"] is None
    assert quiet["not_comparable"] == (
        "this: its quiet run extracted 1,388,532 rows (the shop changed inside the run's data"
        " interval): not a quiet run"
    )
    # Quiet on both sides: judged as before.
    scale["each_run"][1]["rerun_no_change"]["extracted_rows"] = 0
    assert figures(before, after)["quiet_run_seconds"]["met"] is False
    assert "not_comparable" not in figures(before, after)["quiet_run_seconds"]
