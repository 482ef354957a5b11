"""The demo practice's opening days and hours (dates checked against a 2025/2026 calendar by hand)."""

from __future__ import annotations

from datetime import date, datetime

from careloop.demo.clinic_calendar import add_business_minutes, clinic_days, is_clinic_day, months_before


def test_it_closes_on_the_six_holidays_in_2025() -> None:
    closed = [
        date(2025, 1, 1),  # New Year's Day, Wednesday
        date(2025, 5, 26),  # Memorial Day, last Monday of May
        date(2025, 7, 4),  # Independence Day, Friday
        date(2025, 9, 1),  # Labor Day, first Monday of September
        date(2025, 11, 27),  # Thanksgiving, fourth Thursday of November
        date(2025, 12, 25),  # Christmas, Thursday
    ]
    assert [d for d in closed if is_clinic_day(d)] == []
    assert is_clinic_day(date(2025, 11, 26)) and is_clinic_day(date(2025, 5, 27))


def test_it_observes_weekend_holidays_on_the_nearest_weekday() -> None:
    assert not is_clinic_day(date(2026, 7, 3))  # 4 July 2026 is a Saturday: observed Friday 3 July
    assert not is_clinic_day(date(2022, 12, 26))  # Christmas 2022 is a Sunday: observed Monday 26
    assert not is_clinic_day(date(2021, 12, 31))  # New Year's Day 2022 is a Saturday: observed 31 Dec 2021
    assert is_clinic_day(date(2021, 12, 30))


def test_it_counts_weekdays_without_holidays() -> None:
    # November 2025 has 20 weekdays; Thanksgiving (27th) is closed.
    assert len(clinic_days(date(2025, 11, 1), date(2025, 12, 1))) == 19


def test_it_adds_business_minutes_across_a_weekend() -> None:
    friday_evening = datetime(2025, 3, 14, 18, 0)
    assert add_business_minutes(friday_evening, 90) == datetime(2025, 3, 17, 9, 30)
    wednesday_afternoon = datetime(2025, 3, 12, 16, 30)
    assert add_business_minutes(wednesday_afternoon, 60) == datetime(2025, 3, 13, 8, 30)


def test_it_goes_back_whole_months_clamped_to_the_month_end() -> None:
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2025, 3, 17), 12) == date(2024, 3, 17)
    assert months_before(date(2025, 1, 15), 2) == date(2024, 11, 15)
