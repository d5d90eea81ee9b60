"""Jury draws: conflicts are never drawn, equal weights give equal chances,
and a colluding bloc rarely outvotes the honest majority."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from appraisal import services
from appraisal.models import JudgeProfile, JudgeStatus
from complaints import services as complaint_services
from platform_core.models import Role
from rightsholders.models import Membership
from tests.appraisal.conftest import qualified_judge, seated, vote_all
from tests.factories import ListingFactory


def test_conflicted_judges_are_never_drawn(
    pool, alice_org, alice, adidas, sam, listing, complaint, open_case
):
    # A judge who also works for the complaining brand, and the seller who
    # happens to hold a judge account, sit in the pool: neither may sit.
    insider = qualified_judge("insider")
    Membership.objects.create(user=insider, organisation=alice_org)
    sam.role = Role.JUDGE
    sam.save(update_fields=["role"])
    qualified_judge(sam.username)
    conflicted = {insider.pk, sam.pk}

    for n in range(8):
        other = ListingFactory(shop=listing.shop, external_id=f"L-X{n}", status="active")
        filed = complaint_services.complaint_file(
            user=alice, brand=adidas, listing=other, kind="shanzhai", description="Lookalike."
        )
        case = open_case(complaint=filed, jury_size=29)
        assert len(seated(case)) == 29
        assert not conflicted & {u.pk for u in seated(case)}
    # A case on the listing itself knows who complained about it.
    for subject in ({"listing": listing}, {"shop": listing.shop}):
        case = open_case(jury_size=29, **subject)
        assert not conflicted & {u.pk for u in seated(case)}
        assert not conflicted & {pk for pk, _ in services.jury_candidates(case)}


def test_judges_of_the_same_dispute_are_not_drawn_again(pool, listing, open_case):
    first = open_case(listing=listing, jury_size=7)
    vote_all(first, ["infringing"] * 4 + ["not_infringing"] * 3)
    assert first.status == "closed"
    first.status = "final"
    first.save(update_fields=["status"])

    second = open_case(listing=listing, jury_size=7)
    assert not {u.pk for u in seated(first)} & {u.pk for u in seated(second)}


def test_ineligible_judges_are_not_drawn(pool, listing, open_case, make_judges):
    unverified = make_judges(3, identity_verified_at=None)
    unqualified = make_judges(3, status=JudgeStatus.ENROLLED)
    removed = make_judges(3, status=JudgeStatus.REMOVED)
    candidates = {pk for pk, _ in services.jury_candidates(open_case(listing=listing))}
    assert candidates <= {u.pk for u in pool}
    assert not candidates & {u.pk for u in [*unverified, *unqualified, *removed]}


def test_equal_weights_are_drawn_at_equal_rates(pool, listing, open_case):
    case = open_case(listing=listing, jury_size=5)
    candidates = services.jury_candidates(case)
    draws, k = 6000, 5
    counts = Counter()
    for _ in range(draws):
        picked = services.weighted_sample(candidates, k)
        assert len(set(picked)) == k
        counts.update(picked)
    expected = draws * k / len(candidates)
    assert set(counts) == {pk for pk, _ in candidates}
    # Each judge within 15% of the expected count (over 5 standard deviations).
    for pk, n in counts.items():
        assert abs(n - expected) < 0.15 * expected, (pk, n, expected)


def test_higher_weight_is_drawn_more_often():
    candidates = [(1, 2.0)] + [(i, 1.0) for i in range(2, 21)]
    counts = Counter()
    for _ in range(4000):
        counts.update(services.weighted_sample(candidates, 1))
    assert counts[1] > 1.6 * (sum(counts[i] for i in range(2, 21)) / 19)


@pytest.mark.slow
def test_a_colluding_bloc_rarely_decides_a_13_judge_case():
    """30% of the pool: 30 colluders among 100 judges always vote against
    the truth; the 70 honest judges vote for it. Draws use the system's
    sampler and its track-record weights, which fall for judges who keep
    disagreeing with final outcomes."""
    rng = random.Random(20261128)
    judges = {i: JudgeProfile(weight=1.0) for i in range(100)}
    colluders = set(range(30))
    cases, bloc_wins, late_wins = 600, 0, 0
    for n in range(cases):
        candidates = [(i, p.weight) for i, p in judges.items()]
        jury = services.weighted_sample(candidates, 13, rng)
        bloc = sum(1 for i in jury if i in colluders)
        won = bloc > 13 - bloc
        bloc_wins += won
        if n >= cases // 2:
            late_wins += won
        verdict_is_truth = not won
        for i in jury:
            voted_truth = i not in colluders
            p = judges[i]
            p.outcome_total += 1
            p.outcome_agreed += int(voted_truth == verdict_is_truth)
            p.weight = services._record_weight(p)
    # Weights learned from outcomes keep the bloc from deciding cases.
    assert bloc_wins / cases < 0.02
    assert late_wins / (cases - cases // 2) < 0.01

    # For comparison, equal weights forever: the bloc wins about 5% of cases
    # (the hypergeometric tail P[X >= 7], X ~ H(100, 30, 13) = 0.0496).
    equal = [(i, 1.0) for i in range(100)]
    draws = 4000
    wins = sum(
        sum(1 for i in services.weighted_sample(equal, 13, rng) if i in colluders) >= 7
        for _ in range(draws)
    )
    assert 0.03 < wins / draws < 0.07
