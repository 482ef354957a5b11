"""The re-measurement's SPC verdict, with limits fixed on the periods before the change; every
expected number below is computed by hand in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from careloop.governance.remeasure import Verdict, judge_shares, judge_values, remeasure
from tests.governance.helpers import FIRST_MONDAY, standard, weeks

# Before: mean 115 / 10 = 11.5; moving ranges 2,1,2,1,2,1,1,1,2 → mean 13/9 = 1.4444 (none ≥ 3.267 ×
# 1.4444 = 4.72, so none screened); limits 11.5 ± 2.66 × 1.4444 = 7.6578 … 15.3422; the "2 of 3"
# band 11.5 ± 2 × (2.66/3) × 1.4444 = 8.9385 … 14.0615.
BEFORE = [10.0, 12, 11, 13, 12, 10, 11, 12, 11, 13]


def test_it_fixes_the_limits_on_the_periods_before_the_change() -> None:
    judgement = judge_values(BEFORE + [12.0], len(BEFORE), "higher_is_better")
    assert judgement.before_mean == pytest.approx(11.5)
    assert judgement.lower == pytest.approx(11.5 - 2.66 * 13 / 9)
    assert judgement.upper == pytest.approx(11.5 + 2.66 * 13 / 9)
    assert (judgement.before, judgement.after) == (10, 1)


def test_it_calls_a_run_above_the_old_mean_improved_when_higher_is_better() -> None:
    # 7 weeks at 14: inside the old limits (14 < 15.34) and the 2-of-3 band (14 < 14.06), but with the
    # last week before (13) a run of 8 above 11.5: the run rule, on the improving side.
    judgement = judge_values(BEFORE + [14.0] * 7, len(BEFORE), "higher_is_better")
    assert judgement.verdict is Verdict.IMPROVED
    assert {rule for _, rule, _ in judgement.flagged} == {"run"}


def test_it_calls_the_same_run_worse_when_lower_is_better() -> None:
    assert judge_values(BEFORE + [14.0] * 7, len(BEFORE), "lower_is_better").verdict is Verdict.WORSE


def test_it_calls_one_week_beyond_the_old_upper_limit_improved() -> None:
    judgement = judge_values(BEFORE + [16.0], len(BEFORE), "higher_is_better")
    assert judgement.verdict is Verdict.IMPROVED
    assert judgement.flagged == ((0, "outside_limits", "improvement"),)


def test_it_sees_no_evidence_when_only_the_average_went_up() -> None:
    # The after weeks average 12.0 > 11.5, but none is outside 7.66 … 15.34, none beyond the 2-of-3
    # band, no run of 7 and no trend: the old process could have produced them.
    after = [13.0, 10, 13, 11, 13]
    assert sum(after) / len(after) > 11.5
    assert judge_values(BEFORE + after, len(BEFORE), "higher_is_better").verdict is Verdict.NO_EVIDENCE


def test_it_needs_two_periods_before_and_one_after() -> None:
    assert judge_values([10.0, 16], 1, "higher_is_better").verdict is Verdict.NOT_ENOUGH_DATA
    assert judge_values(BEFORE, len(BEFORE), "higher_is_better").verdict is Verdict.NOT_ENOUGH_DATA


# Laney p′ before: 6 weeks of n = 100 with 80, 82, 78, 81, 79, 80 met → p̄ = 480/600 = 0.8;
# σ_p = √(0.8 × 0.2 / 100) = 0.04; z = 0, 0.5, −0.5, 0.25, −0.25, 0; moving ranges 0.5, 1, 0.75, 0.5,
# 0.25 → mean 0.6; σ_z = 0.6 / 1.128 = 0.53191; limits 0.8 ± 3 × 0.04 × 0.53191 = 0.73617 … 0.86383;
# 2-of-3 band 0.8 ± 2 × 0.04 × 0.53191 = 0.75745 … 0.84255.
LANEY_MET = [80.0, 82, 78, 81, 79, 80]


def test_it_judges_shares_on_laney_limits_fixed_before_the_change() -> None:
    improved = judge_shares(LANEY_MET + [90.0], [100.0] * 7, 6, "higher_is_better")
    assert improved.verdict is Verdict.IMPROVED
    assert improved.upper == pytest.approx(0.8 + 3 * 0.04 * 0.6 / 1.128)
    # 0.84 is inside the limits and short of the 2-of-3 band's 0.8426.
    assert judge_shares(LANEY_MET + [84.0], [100.0] * 7, 6, "higher_is_better").verdict is Verdict.NO_EVIDENCE
    assert judge_shares(LANEY_MET + [70.0], [100.0] * 7, 6, "higher_is_better").verdict is Verdict.WORSE


def test_it_remeasures_a_standard_from_its_weekly_measurements(db: Any) -> None:
    std = standard()
    weeks(std, [int(m) for m in LANEY_MET] + [90, 91, 92])
    changed_on = FIRST_MONDAY + timedelta(weeks=6)
    result = remeasure(std, changed_on, until=FIRST_MONDAY + timedelta(weeks=20))
    assert [p.period.start for p in result.after_points][0] == changed_on
    assert (result.judgement.before, result.judgement.after) == (6, 3)
    assert result.judgement.verdict is Verdict.IMPROVED


def test_it_judges_the_fix_against_the_process_since_the_signal(db: Any) -> None:
    # Six good weeks (95 %), then six poor ones from the signal (80, 82, 78, 81, 79, 80 %, the Laney
    # baseline above: limits 0.736 … 0.864), then the fix: 84 % is within the poor process's limits
    # (no evidence), though far below the good weeks'.
    std = standard()
    weeks(std, [95] * 6 + [int(m) for m in LANEY_MET] + [84])
    signal_from = FIRST_MONDAY + timedelta(weeks=6)
    changed_on = FIRST_MONDAY + timedelta(weeks=12)
    judged = remeasure(std, changed_on, until=date(2025, 6, 1), process_since=signal_from)
    assert (judged.judgement.before, judged.judgement.verdict) == (6, Verdict.NO_EVIDENCE)
    assert judged.judgement.upper == pytest.approx(0.8 + 3 * 0.04 * 0.6 / 1.128)
    # Against all twelve weeks before the change the same week looks worse.
    assert remeasure(std, changed_on, until=date(2025, 6, 1)).judgement.verdict is Verdict.WORSE
