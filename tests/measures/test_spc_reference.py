"""careloop.measures.spc against NHSRplotthedots' published values (github.com/nhs-r-community/NHSRplotthedots).

The expected figures were typed in from these files (repository paths, at the commits named):

- tests/testthat/test-integration_tests.R and its snapshot tests/testthat/_snaps/integration_tests.md,
  commit 0c096d813e16e4fe606c37eb70020e74a5dcbbe8. The snapshots are R objects serialised with
  `expect_snapshot_value(style = "serialize")`; their doubles were decoded from the XDR bytes and are
  written below with Python's round-tripping repr, so `==` checks them to the last bit.
  The series is NHSRdatasets' `ae_attendances` summed over all trusts per month, April 2016 to
  March 2019 (36 months): `attendances`, and `performance = 1 - breaches / attendances`.
- vignettes/deviations.Rmd, commit 938abcd81199980da6667f846e747c43b39303cd (screening on and off).
- tests/testthat/test-ptd_spc_standard.R, test-ptd_calculate_point_type.R, commit
  8aac3239e90ce9ebeb9c3e61f56c207dfc37b225; tests/testthat/test-ptd_calculate_assurance_type.R,
  commit 7ed6ae9006d4a5bc8f9839c9eb0afeb34fba4d81 (unit-test vectors of the rules and assurance).

NHSRplotthedots calls the directions "increase"/"decrease" (ours: higher_is_better/lower_is_better),
`fix_after_n_points` our `baseline`, `rebase` our `change_points`.
"""

from __future__ import annotations

import pytest

from careloop.measures.spc import (
    Assurance,
    PointType,
    assurance,
    run_members,
    trend_members,
    two_of_three_members,
    xmr,
)

# ae_all()$attendances, 2016-04 … 2019-03.
ATTENDANCES = [
    1867781, 2070340, 1958802, 2079034, 1932901, 1952464, 2001816, 1907871, 1944567, 1895272, 1735619, 2015834,
    1949762, 2066789, 1994056, 2073944, 1924663, 1925961, 2044137, 1976971, 2003954, 2000086, 1820012, 2049785,
    1984369, 2164458, 2093942, 2179896, 1997854, 2005695, 2079492, 2037847, 2047518, 2113413, 1954947, 2167550,
]  # fmt: skip

# ae_all()$performance (share of attendances within 4 hours), same months.
PERFORMANCE = [
    0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435, 0.909763097023593,
    0.9064786853944554, 0.8905308979446662, 0.8837903610883545, 0.8617594559611471, 0.851413411900772,
    0.8753090395991286, 0.9000949482943537, 0.9051525263083392, 0.8970035160821932, 0.9072518525056468,
    0.9034785895858326, 0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
    0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311, 0.8857248828216929,
    0.9039011151983545, 0.9076297242234981, 0.8931949047110505, 0.8972702710007838, 0.8894368286304747,
    0.8900933497219513, 0.8760446687116353, 0.8644632183941728, 0.843525141560121, 0.8422525009629417,
    0.8660427671795345,
]  # fmt: skip

# Point types, one character per month: "." common cause, "+" improvement, "-" concern.
TYPE_CODES = {
    ".": PointType.COMMON_CAUSE,
    "+": PointType.SPECIAL_CAUSE_IMPROVEMENT,
    "-": PointType.SPECIAL_CAUSE_CONCERN,
}


def point_types(codes: str) -> tuple[PointType, ...]:
    return tuple(TYPE_CODES[code] for code in codes)


def test_it_reproduces_ae_all_attendances() -> None:
    # test_that("ae_all attendances spc returns expected values"): ptd_spc(ae_all(), attendances, period)
    chart = xmr(ATTENDANCES)

    assert chart.mean == 2000538.9444444445
    assert chart.lower == 1731844.3644444444
    assert chart.upper == 2269233.5244444446
    assert chart.point_types == point_types("." * 36)


def test_it_reproduces_ae_all_attendances_rebased_in_april_2017() -> None:
    # ptd_spc(ae_all(), attendances, period, rebase = as.Date("2017-04-01")): April 2017 is month 12.
    chart = xmr(ATTENDANCES, change_points=[12])

    first, second = chart.segments
    assert (first.mean, first.lower, first.upper) == (1946858.4166666667, 1639947.374848485, 2253769.4584848485)
    assert (second.mean, second.lower, second.upper) == (
        2027379.2083333333,
        1772921.0639855072,
        2281837.3526811595,
    )
    assert [p.segment for p in chart.points] == [0] * 12 + [1] * 24
    assert chart.point_types == point_types("." * 36)


def test_it_reproduces_ae_all_performance() -> None:
    # The object of test_that("plot arguments behave as expected"): ptd_spc(ae_all(), performance, period).
    # Two moving ranges (into and out of the January 2018 dip) are screened out.
    chart = xmr(PERFORMANCE)

    assert chart.mean == 0.8847056829421236
    assert chart.lower == 0.8604472128746817
    assert chart.upper == 0.9089641530095655
    assert chart.segments[0].screened == (20, 24)
    assert chart.point_types == point_types("+++++++..-.+++++++++----+++++++..--.")


def test_it_reproduces_ae_all_performance_fixed_after_12_points() -> None:
    # ptd_spc(ae_all(), performance, period, fix_after_n_points = 12)
    chart = xmr(PERFORMANCE, baseline=12)

    assert chart.mean == 0.8908915564349236
    assert chart.lower == 0.8614049789074258
    assert chart.upper == 0.9203781339624213
    assert chart.point_types == point_types(".........-.++++++++.----.....-------")


def test_it_reproduces_the_deviations_vignette_with_screening() -> None:
    # "R Package Default": UPL 4.6, mean 1.94, LPL -0.72 (rounded to 2 places in the caption); one blue
    # special cause improvement point (the 10), the rest common cause.
    data = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    chart = xmr(data)

    assert chart.upper is not None and chart.mean is not None and chart.lower is not None
    assert (round(chart.upper, 2), round(chart.mean, 2), round(chart.lower, 2)) == (4.6, 1.94, -0.72)
    assert chart.point_types == point_types("....+" + "." * 13)


def test_it_reproduces_the_making_data_count_excel_tool_without_screening() -> None:
    # "Over-riding to replicate Making Data Count Excel output" (screen_outliers = FALSE): UPL 6.95,
    # mean 1.94, LPL -3.06.
    data = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    chart = xmr(data, screen=False)

    assert chart.upper is not None and chart.mean is not None and chart.lower is not None
    assert (round(chart.upper, 2), round(chart.mean, 2), round(chart.lower, 2)) == (6.95, 1.94, -3.06)
    assert chart.point_types == point_types("....+" + "." * 13)


def test_it_ignores_two_close_points_on_opposite_sides_of_the_mean() -> None:
    # test-ptd_spc_standard.R, "it only reports special cause for 2of3 points close to limits when they
    # are on the same side of the mean": 1 -1 1 -1 … with the last two set to 5.5 and -5.5.
    data = [1.0, -1.0] * 8
    data[14], data[15] = 5.5, -5.5

    assert xmr(data).point_types[-2:] == (PointType.COMMON_CAUSE, PointType.COMMON_CAUSE)


# --- unit-test vectors of the rules (test-ptd_calculate_point_type.R) --------------------------------
# NHSRplotthedots computes "the 7th point of a run/trend" and then "part of it"; ours says directly
# which points belong to one. The flags below are the composition of the two R functions.


@pytest.mark.parametrize(
    "sides, members",
    [
        ([], []),
        ([1] * 6, [False] * 6),
        ([1] * 6 + [-1], [False] * 7),
        ([1] * 8 + [-1], [True] * 8 + [False]),
        ([-1] * 8 + [1], [True] * 8 + [False]),
    ],
)
def test_it_matches_ptd_seven_point_one_side_mean(sides: list[int], members: list[bool]) -> None:
    assert run_members(sides, 7) == members


@pytest.mark.parametrize(
    "values, directions",
    [
        ([], []),
        ([1, 2, 3, 4, 5, 6], [0] * 6),
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7),
        ([1, 2, 3, 4, 5, 6, 7], [1] * 7),
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0] + [1] * 7 + [0]),
        ([7, 6, 5, 4, 3, 2, 1], [-1] * 7),
        ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0] + [-1] * 7 + [0]),
    ],
)
def test_it_matches_ptd_seven_point_trend(values: list[float], directions: list[int]) -> None:
    assert trend_members(values, 7) == directions


@pytest.mark.parametrize(
    "close, sides, members",
    [
        ([], [], []),
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
        # issue #143: opposite sides of the mean never make "2 of 3"
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
        ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
    ],
)
def test_it_matches_ptd_two_in_three(close: list[int], sides: list[int], members: list[int]) -> None:
    assert two_of_three_members([bool(c) for c in close], sides) == [bool(m) for m in members]


# --- assurance (test-ptd_calculate_assurance_type.R) --------------------------------------------------
# Three charts with limits 1..3, 5..7 and 1..5, and a target of 4.


@pytest.mark.parametrize(
    "direction, verdicts",
    [
        ("higher_is_better", ["consistent_fail", "consistent_pass", "inconsistent"]),
        ("lower_is_better", ["consistent_pass", "consistent_fail", "inconsistent"]),
        ("neutral", [None, None, None]),
    ],
)
def test_it_matches_ptd_calculate_assurance_type(direction: str, verdicts: list[str | None]) -> None:
    names = {
        Assurance.CONSISTENTLY_PASSING: "consistent_pass",
        Assurance.CONSISTENTLY_FAILING: "consistent_fail",
        Assurance.HIT_AND_MISS: "inconsistent",
    }
    limits = [(1, 3), (5, 7), (1, 5)]

    results = [assurance(4, lower, upper, direction) for lower, upper in limits]

    assert [names[r] if r else None for r in results] == verdicts
