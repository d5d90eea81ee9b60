"""Reads with access and secrecy rules.

Before a case closes nobody (reviewers included) is shown a tally or
another judge's ballot: ``case_result`` is empty and ``ballots_for`` is
refused until then. A judge sees only the cases they sit on; anything
else answers "not found".
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from platform_core.errors import NotFound
from platform_core.models import Role, User

from .models import Case, CaseStatus, JudgeProfile, JuryMembership, Statement, Vote


def is_reviewer(user: User) -> bool:
    return user.is_authenticated and (user.role == Role.REVIEWER or user.is_superuser)


def cases_for_reviewer(user: User) -> QuerySet[Case]:
    if not is_reviewer(user):
        return Case.objects.none()
    return Case.objects.select_related("complaint", "listing", "shop")


def seats_for(user: User) -> QuerySet[JuryMembership]:
    """Seats a judge holds (not those they were replaced on)."""
    return (
        JuryMembership.objects.filter(judge=user, replaced=False)
        .select_related("case")
        .order_by("due_at", "id")
    )


def open_assignments_for(user: User) -> QuerySet[JuryMembership]:
    return seats_for(user).filter(case__status=CaseStatus.VOTING)


def past_seats_for(user: User) -> QuerySet[JuryMembership]:
    return seats_for(user).exclude(case__status__in=[CaseStatus.VOTING]).order_by("-id")


def case_get_for_user(user: User, pk: int) -> Case:
    """A case its juror or a reviewer may see; 404 for anyone else."""
    qs = Case.objects.select_related(
        "complaint__listing__shop",
        "complaint__brand",
        "complaint__trademark",
        "listing__shop",
        "shop",
    ).prefetch_related(Prefetch("statements", queryset=Statement.objects.order_by("id")))
    if not is_reviewer(user):
        qs = qs.filter(jurors__judge=user, jurors__replaced=False)
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFound("No such case.")
    return case


def seat_for(user: User, case: Case) -> JuryMembership | None:
    return JuryMembership.objects.filter(case=case, judge=user, replaced=False).first()


def own_vote(user: User, case: Case) -> Vote | None:
    return Vote.objects.filter(case=case, judge=user).first()


def case_result(case: Case) -> dict | None:
    """Result and tally, only once the case has closed."""
    if not case.is_closed:
        return None
    return {
        "result": case.result,
        "tally": case.tally,
        "closed_at": case.closed_at,
        "appeal_until": case.appeal_until,
        "final_verdict": case.final_verdict or None,
    }


def ballots_for(case: Case) -> list[Vote]:
    """Every ballot with its reason, for a closed case only."""
    if not case.is_closed:
        raise NotFound("Ballots stay secret until the case closes.")
    return list(Vote.objects.filter(case=case).select_related("judge").order_by("id"))


def evidence_bundle(case: Case) -> dict:
    """What the jury reads: both sides' statements, the listing(s) and their
    images, the trademark record and the detection signals."""
    root = case.root
    bundle: dict = {
        "listings": [],
        "trademark": None,
        "complaint": None,
        "reference_images": [],
    }
    listings = []
    if root.complaint_id:
        c = root.complaint
        bundle["complaint"] = {
            "kind": c.kind,
            "description": c.description,
            "brand": c.brand.name,
            "detection_signals": c.detection_signals or [],
        }
        tm = c.trademark
        bundle["trademark"] = {
            "registration_number": tm.registration_number,
            "jurisdiction": tm.jurisdiction,
            "nice_classes": tm.nice_classes,
            "expires_on": tm.expires_on,
        }
        listings = [c.listing]
        # The brand's own logo and product photos, shown beside the listing's.
        bundle["reference_images"] = [
            img.image.url for img in c.brand.reference_images.order_by("kind", "id")[:8]
        ]
    elif root.listing_id:
        listings = [root.listing]
    elif root.shop_id:
        listings = list(root.shop.listings.order_by("-id")[:20])
    for listing in listings:
        bundle["listings"].append(
            {
                "external_id": listing.external_id,
                "title": listing.title,
                "description": listing.description,
                "price": str(listing.price),
                "currency": listing.currency,
                "shop": listing.shop.name,
                "signals": listing.risk_signals or [],
                "images": [
                    img.thumbnail.url if img.thumbnail else img.source_url
                    for img in listing.images.all()
                    if img.thumbnail or img.source_url
                ],
            }
        )
    bundle["statements"] = [
        {"party": s.party, "text": s.text, "at": s.created_at} for s in case.statements.all()
    ]
    return bundle


def judge_record(user: User) -> dict:
    """How a judge's ballots compared with final outcomes."""
    profile = JudgeProfile.objects.filter(user=user).first()
    seats = list(past_seats_for(user))
    votes = {
        v.case_id: v for v in Vote.objects.filter(judge=user, case__in=[s.case for s in seats])
    }
    rows = []
    for seat in seats:
        vote = votes.get(seat.case_id)
        outcome = seat.case.final_verdict or (seat.case.result if seat.case.is_closed else "")
        rows.append(
            {
                "case": seat.case,
                "choice": vote.choice if vote else "",
                "outcome": outcome,
                "agreed": bool(vote and outcome and vote.choice == outcome),
            }
        )
    return {"profile": profile, "rows": rows}
