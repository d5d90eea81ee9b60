# The complaints fixtures are imported below, so test arguments "redefine" them.
# ruff: noqa: F811
"""The reviewer console as a working console: the index shows each queue with
how much waits and how much is overdue; counter-notices and appraisal cases
to open have their own queues; the repeat-infringer and misuse policy is
edited there, validated and audited, and the complaint rules follow it."""

import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Case
from complaints import services
from complaints.models import (
    ComplainantStanding,
    Complaint,
    ComplaintStatus,
    CounterNotice,
    EnforcementPolicy,
    Strike,
)
from marketplace.models import Listing, ListingStatus, ShopStatus
from notifications.models import Notification
from platform_core.models import AuditEvent
from rightsholders.models import Organisation
from tests.complaints.conftest import (  # noqa: F401 - the complaints fixtures
    decide,
    file_complaint,
    listing,
    make_listing,
    sams_seller,
    sams_shop,
    trademark,
)
from tests.factories import UserFactory, organisation_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, rita):
    client.force_login(rita)
    return client


def queue_row(page: str, key: str) -> dict:
    """The index's row for one queue: waiting and overdue as shown."""
    row = re.search(rf'<tr class="queue-{key}">(.*?)</tr>', page, re.S)
    assert row, f"no {key} queue on the index"
    waiting = re.search(r'class="queue-waiting">(\d+)<', row.group(1)).group(1)
    overdue = re.search(r'class="queue-overdue">(.*?)</td>', row.group(1), re.S).group(1)
    return {"waiting": int(waiting), "overdue": re.sub(r"<[^>]+>", "", overdue).strip()}


def counter_noticed(sam, complaint, decide):
    decide(complaint, outcome="upheld", reason="Fake.")
    services.counter_notice_file(user=sam, complaint=complaint, explanation="I have the invoice.")
    return CounterNotice.objects.get(complaint=complaint)


# --- The index ---------------------------------------------------------------------------


def test_the_index_shows_each_queue_with_waiting_and_overdue_counts(
    console, bob, sam, alice, make_listing, file_complaint, decide
):
    organisation_with_admin(name="Pending Brand GmbH", admin=bob)  # awaits verification
    late = file_complaint(make_listing())
    file_complaint(make_listing())  # on time: waiting, not overdue
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=3))
    counter_noticed(sam, file_complaint(make_listing()), decide)
    escalated = file_complaint(make_listing())
    services.complaint_escalate(
        reviewer=UserFactory(username="rita2", role="reviewer", is_staff=True),
        complaint=escalated,
        reason="A lookalike brand with its own registration.",
    )

    page = console.get(reverse("admin:index")).content.decode()

    assert queue_row(page, "organisations") == {"waiting": 1, "overdue": "—"}
    assert queue_row(page, "complaints") == {"waiting": 2, "overdue": "1"}
    assert queue_row(page, "counter_notices") == {"waiting": 1, "overdue": "0"}
    assert queue_row(page, "appraisal_to_open") == {"waiting": 1, "overdue": "—"}
    assert queue_row(page, "appraisal_returned")["waiting"] == 0
    # Each row leads to its queue, filtered to what waits.
    links = re.findall(r'<th scope="row"><a href="([^"]+)">', page)
    assert len(links) == 7
    for link in links:
        response = console.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
    complaints_queue = console.get(
        reverse("admin:complaints_complaint_changelist"), {"status__in": "submitted,under_review"}
    )
    assert f"Complaint #{late.pk}" in complaints_queue.content.decode()


def test_the_index_and_queues_are_for_reviewers_only(client, alice, listing, file_complaint):
    file_complaint(listing)
    client.force_login(alice)
    for name in (
        "admin:index",
        "admin:complaints_counternotice_changelist",
        "admin:complaints_appraisalqueueentry_changelist",
        "admin:complaints_enforcementpolicy_changelist",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"], name


# --- Counter-notices -------------------------------------------------------------------------


def test_counter_notices_wait_in_their_own_queue_most_urgent_first(
    console, sam, make_listing, file_complaint, decide
):
    later = counter_noticed(sam, file_complaint(make_listing()), decide)
    urgent = counter_noticed(sam, file_complaint(make_listing()), decide)
    Complaint.objects.filter(pk=urgent.complaint_id).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )

    page = console.get(reverse("admin:complaints_counternotice_changelist")).content.decode()

    first = page.index(reverse("admin:complaints_counternotice_change", args=[urgent.pk]))
    second = page.index(reverse("admin:complaints_counternotice_change", args=[later.pk]))
    assert first < second
    assert "overdue" in page


def test_accepting_a_counter_notice_with_a_reason_template_restores_the_listing(
    console, sam, alice, listing, file_complaint, decide
):
    cn = counter_noticed(sam, file_complaint(listing), decide)
    record = console.get(reverse("admin:complaints_counternotice_change", args=[cn.pk]))
    page = record.content.decode()
    assert 'id="decision-form"' in page and "I have the invoice." in page
    assert "cn_supply_chain" in page  # the reason templates are offered

    response = console.post(
        reverse("admin:complaints_counternotice_decide", args=[cn.pk]),
        {"decision": "rejected", "reason_template": "cn_supply_chain", "reason": "Invoice 7."},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:complaints_counternotice_changelist")
    cn.refresh_from_db()
    assert cn.status == CounterNotice.Status.ACCEPTED
    complaint = Complaint.objects.get(pk=cn.complaint_id)
    assert complaint.status == ComplaintStatus.REJECTED
    assert complaint.decisions.last().reason.startswith("The seller shows the goods are genuine")
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.ACTIVE
    assert Strike.objects.get(complaint=complaint).voided_at is not None
    assert Notification.objects.filter(user=sam, kind="complaint.rejected").exists()
    # Decided: it leaves the queue's waiting count, and the form is gone.
    page = console.get(reverse("admin:complaints_counternotice_change", args=[cn.pk]))
    assert 'id="decision-form"' not in page.content.decode()


def test_dismissing_a_counter_notice_keeps_the_takedown(
    console, sam, listing, file_complaint, decide
):
    cn = counter_noticed(sam, file_complaint(listing), decide)

    console.post(
        reverse("admin:complaints_counternotice_decide", args=[cn.pk]),
        {"decision": "upheld", "reason_template": "cn_no_proof"},
    )

    cn.refresh_from_db()
    assert cn.status == CounterNotice.Status.DISMISSED
    assert Complaint.objects.get(pk=cn.complaint_id).status == ComplaintStatus.UPHELD
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.DELISTED


def test_a_counter_notice_decision_without_a_reason_records_nothing(
    console, sam, listing, file_complaint, decide
):
    cn = counter_noticed(sam, file_complaint(listing), decide)

    response = console.post(
        reverse("admin:complaints_counternotice_decide", args=[cn.pk]), {"decision": "rejected"}
    )

    assert response.status_code == 302
    cn.refresh_from_db()
    assert cn.status == CounterNotice.Status.PENDING
    assert Complaint.objects.get(pk=cn.complaint_id).status == ComplaintStatus.COUNTER_NOTICED
    follow = console.get(response["Location"]).content.decode()
    assert "Nothing recorded" in follow


def test_counter_notice_decisions_are_post_only_and_unknown_ids_refused(
    console, sam, listing, file_complaint, decide
):
    cn = counter_noticed(sam, file_complaint(listing), decide)
    url = reverse("admin:complaints_counternotice_decide", args=[cn.pk])
    assert console.get(url).status_code == 405
    missing = reverse("admin:complaints_counternotice_decide", args=[cn.pk + 999])
    assert console.post(missing, {"decision": "rejected", "reason": "x"}).status_code == 403


# --- Appraisal cases to open -------------------------------------------------------------


def test_escalated_complaints_wait_for_a_case_and_leave_the_queue_once_opened(
    console, rita, listing, file_complaint
):
    complaint = file_complaint(listing)
    services.complaint_escalate(
        reviewer=rita, complaint=complaint, reason="Does 'Adidos' imitate Adidas?"
    )
    queue = reverse("admin:complaints_appraisalqueueentry_changelist")

    page = console.get(queue).content.decode()
    assert f"Complaint #{complaint.pk}" in page
    assert "Does &#x27;Adidos&#x27; imitate Adidas?" in page
    open_link = re.search(r'href="([^"]*/appraisal/case/open/\?[^"]+)"', page).group(1)
    form = console.get(open_link.replace("&amp;", "&")).content.decode()
    assert f'value="{complaint.pk}"' in form  # the complaint comes filled in

    response = console.post(
        reverse("admin:appraisal_case_open"),
        {
            "complaint": complaint.pk,
            "question": "Does 'Adidos' imitate Adidas?",
            # Statements first: the jury is drawn when voting opens.
            "statement_hours": 24,
        },
    )

    assert response.status_code == 302
    assert Case.objects.filter(complaint=complaint).exists()
    assert f"Complaint #{complaint.pk}" not in console.get(queue).content.decode()


# --- The repeat-infringer and misuse policy -------------------------------------------------------


def policy_url():
    return reverse("admin:complaints_enforcementpolicy_change", args=[1])


def policy_form(**changes):
    values = {
        "repeat_infringer_strikes": 3,
        "repeat_infringer_window_days": 180,
        "misuse_window_days": 180,
        "misuse_warning_at": 2,
        "misuse_suspend_at": 3,
        "misuse_suspension_days": 30,
    }
    values.update(changes)
    return values


@override_settings(REPEAT_INFRINGER_STRIKES=4, MISUSE_SUSPENSION_DAYS=45)
def test_the_policy_starts_from_the_settings(console):
    response = console.get(reverse("admin:complaints_enforcementpolicy_changelist"))
    assert response.status_code == 302 and response["Location"] == policy_url()
    policy = EnforcementPolicy.objects.get()
    assert policy.repeat_infringer_strikes == 4
    assert policy.misuse_suspension_days == 45


def test_a_reviewer_changes_the_policy_the_change_is_audited_and_applied(
    console, rita, sam, sams_shop, make_listing, file_complaint, decide
):
    response = console.post(policy_url(), policy_form(repeat_infringer_strikes=2))

    assert response.status_code == 302
    assert EnforcementPolicy.objects.get().repeat_infringer_strikes == 2
    event = AuditEvent.objects.get(action="complaints.policy_changed")
    assert event.actor == rita
    assert event.data["previous"] == {"repeat_infringer_strikes": 3}
    assert "repeat_infringer_strikes: 3 → 2" in event.reason
    record = console.get(policy_url()).content.decode()
    assert "complaints.policy_changed" in record  # the trail is under the form
    assert 'name="_save"' in record and "Misuse by complainants" in record

    # The rule follows the policy at once: two strikes now suspend the shop.
    for _ in range(2):
        decide(file_complaint(make_listing()), outcome="upheld", reason="Fake.")
    sams_shop.refresh_from_db()
    assert sams_shop.status == ShopStatus.SUSPENDED
    assert "Strike 1 of 2" in Notification.objects.filter(kind="seller.strike").last().title
    # The automatic suspension is on record in the console.
    suspensions = console.get(
        reverse("admin:complaints_repeatinfringersuspension_changelist")
    ).content.decode()
    assert sams_shop.external_id in suspensions and "(threshold 2)" in suspensions


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"misuse_warning_at": 3, "misuse_suspend_at": 3}, "misuse_suspend_at"),
        ({"misuse_warning_at": 4, "misuse_suspend_at": 2}, "misuse_suspend_at"),
        ({"repeat_infringer_strikes": 0}, "repeat_infringer_strikes"),
        ({"misuse_suspension_days": -5}, "misuse_suspension_days"),
        ({"repeat_infringer_window_days": "soon"}, "repeat_infringer_window_days"),
    ],
)
def test_an_invalid_policy_shows_a_form_error_and_changes_nothing(console, changes, field):
    response = console.post(policy_url(), policy_form(**changes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    policy = EnforcementPolicy.objects.get()
    assert (policy.repeat_infringer_strikes, policy.misuse_suspend_at) == (3, 3)
    assert not AuditEvent.objects.filter(action="complaints.policy_changed").exists()


def test_the_service_refuses_what_the_form_refuses(rita, alice):
    from platform_core.errors import DomainError, Forbidden

    with pytest.raises(DomainError) as refused:
        services.enforcement_policy_update(user=rita, misuse_warning_at=5, misuse_suspend_at=5)
    assert "misuse_suspend_at" in refused.value.fields
    with pytest.raises(Forbidden):
        services.enforcement_policy_update(user=alice, repeat_infringer_strikes=9)
    assert services.enforcement_policy().repeat_infringer_strikes == 3


def test_a_superuser_who_is_not_a_reviewer_only_reads_the_policy(client):
    boss = UserFactory(username="boss", role="marketplace", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get(policy_url()).status_code == 200
    client.post(policy_url(), policy_form(repeat_infringer_strikes=9))
    assert EnforcementPolicy.objects.get().repeat_infringer_strikes == 3


def test_the_misuse_rules_follow_the_policy(
    rita, alice, alice_org, make_listing, file_complaint, decide
):
    services.enforcement_policy_update(
        user=rita, misuse_warning_at=1, misuse_suspend_at=2, misuse_suspension_days=7
    )
    decide(file_complaint(make_listing()), outcome="rejected", reason="No basis.", bad_faith=True)
    warning = Notification.objects.get(user=alice, kind="organisation.misuse_warning")
    assert "At 2, filing is suspended for 7 days" in warning.body
    assert ComplainantStanding.objects.get(organisation=alice_org).misuse_warned_at

    decide(file_complaint(make_listing()), outcome="rejected", reason="No basis.", bad_faith=True)

    until = Organisation.objects.get(pk=alice_org.pk).filing_suspended_until
    assert until is not None
    assert datetime.timedelta(days=6) < until - timezone.now() <= datetime.timedelta(days=7)
