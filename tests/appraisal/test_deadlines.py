"""No-shows are replaced by fresh draws at the deadline; repeated no-shows
pause a judge's eligibility; the beat task does this on a real worker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from appraisal import services, tasks
from appraisal.models import Case, JudgeProfile, JuryMembership
from platform_core.models import User
from tests.appraisal.conftest import after, seated, vote_all
from tests.conftest import wait_until


def test_no_shows_are_replaced_by_fresh_judges(pool, listing, open_case, api):
    case = open_case(listing=listing, jury_size=5)
    first_jury = seated(case)
    vote_all(case, ["infringing", "infringing"])
    no_shows = first_jury[2:]

    assert services.cases_sweep(now=after(case.deadline))["replaced"] == 1
    case.refresh_from_db()
    assert case.status == "voting"
    jury = seated(case)
    assert len(jury) == 5
    fresh = [j for j in jury if j not in first_jury]
    assert len(fresh) == 3
    assert not set(fresh) & set(first_jury)
    # The replaced judges lose the assignment; the fresh ones get it, with time to vote.
    for judge in no_shows:
        assert api(judge).get("/api/v1/appraisal/assignments/").json()["results"] == []
        assert api(judge).get(f"/api/v1/appraisal/cases/{case.pk}/").status_code == 404
    for judge in fresh:
        (row,) = api(judge).get("/api/v1/appraisal/assignments/").json()["results"]
        assert row["case"] == case.pk and not row["voted"]
        assert judge.notifications.filter(kind="appraisal.assigned").exists()
    assert JuryMembership.objects.filter(case=case, replaced=True).count() == 3

    for judge in fresh:
        services.vote_cast(judge=judge, case=case.pk, choice="infringing")
    case.refresh_from_db()
    assert case.status == "closed" and case.result == Case.Result.INFRINGING


def test_repeated_no_shows_lose_eligibility_for_a_while(
    pool, listing, sams_shop, open_case, settings
):
    settings.APPRAISAL_NO_SHOW_LIMIT = 2
    settings.APPRAISAL_NO_SHOW_WINDOW_DAYS = 90
    # A pool of exactly 5 drawn judges each time: every one of them misses twice.
    case = open_case(listing=listing, jury_size=5)
    lazy = seated(case)[0]
    others = seated(case)[1:]
    for judge in others:
        services.vote_cast(judge=judge, case=case.pk, choice="infringing")
    services.cases_sweep(now=after(case.deadline))
    profile = JudgeProfile.objects.get(user=lazy)
    assert profile.suspended_until is None  # one miss is forgiven

    # Leave exactly 29 drawable judges, so the next 29-judge jury includes lazy.
    spare = next(j for j in pool if j != lazy)
    JudgeProfile.objects.filter(user=spare).update(status="removed")
    second = open_case(shop=sams_shop, jury_size=29)
    assert lazy in seated(second)
    for judge in seated(second):
        if judge != lazy:
            services.vote_cast(judge=judge, case=second.pk, choice="infringing")
    now = after(second.deadline)
    services.cases_sweep(now=now)
    profile.refresh_from_db()
    assert profile.suspended_until == now + datetime.timedelta(
        days=settings.APPRAISAL_NO_SHOW_SUSPENSION_DAYS
    )
    eligible = User.objects.filter(services.eligible_judges_q(now))
    assert not eligible.filter(pk=lazy.pk).exists()
    later = profile.suspended_until + datetime.timedelta(seconds=1)
    assert User.objects.filter(services.eligible_judges_q(later), pk=lazy.pk).exists()


@pytest.mark.worker
def test_the_beat_task_replaces_no_shows_on_a_worker(worker, pool, listing, open_case):
    case = open_case(listing=listing, jury_size=5)
    first_jury = seated(case)
    Case.objects.filter(pk=case.pk).update(deadline=timezone.now() - datetime.timedelta(hours=1))
    JuryMembership.objects.filter(case=case).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )

    tasks.sweep.delay()

    wait_until(
        lambda: JuryMembership.objects.filter(case=case, replaced=True).count() == 5,
        message="the worker did not replace the no-shows",
    )
    case.refresh_from_db()
    assert case.status == "voting" and case.deadline > timezone.now()
    assert not set(seated(case)) & set(first_jury)
