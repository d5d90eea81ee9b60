"""Complaints in the integrator API: filing (one click, manual, bulk),
decisions, the brand's answers, counter-notices, test purchases, escalation
and statements of reasons. Thin: parse, call one service, answer."""

from __future__ import annotations

import csv
import io

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import parsers, serializers, status
from rest_framework.response import Response

from detection.selectors import suspects_for
from marketplace.models import Listing
from platform_core.admin import private_document_response
from platform_core.api.errors import error_body
from platform_core.api.pagination import CursorPagination
from platform_core.api.permissions import IsBrandStaff, IsReviewer, role_permission
from platform_core.api.views import APIView, ListAPIView
from platform_core.errors import DomainError
from platform_core.models import Role
from platform_core.params import as_id
from rightsholders.selectors import brands_for, trademarks_for

from . import selectors, services
from .models import (
    Complaint,
    ComplaintKind,
    Decision,
    Evidence,
    TestPurchase,
)

IsComplaintParty = role_permission(Role.BRAND, Role.REVIEWER, Role.SELLER)
IsSeller = role_permission(Role.SELLER)


def _validated(serializer_class, data):
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


# --- Output shapes ----------------------------------------------------------------


class StatementOut(serializers.Serializer):
    facts = serializers.CharField()
    rule = serializers.CharField()
    remedy = serializers.CharField()


class DecisionOut(serializers.ModelSerializer):
    decided_at = serializers.DateTimeField(source="created_at")
    statement = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "outcome",
            "reason",
            "bad_faith",
            "source",
            "on_counter_notice",
            "decided_at",
            "statement",
        ]

    @extend_schema_field(StatementOut)
    def get_statement(self, obj) -> dict:
        return {"facts": obj.facts, "rule": obj.rule, "remedy": obj.remedy}


class EvidenceOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "party", "name", "sha256", "created_at", "url"]

    def get_url(self, obj) -> str | None:
        request = self.context.get("request")
        path = f"/api/v1/complaints/{obj.complaint_id}/evidence/{obj.pk}/"
        return request.build_absolute_uri(path) if request else path


class ComplaintOut(serializers.ModelSerializer):
    """The contract's complaint: ``id, status, brand, listing, trademark,
    kind, created_at, decision`` (the latest decision, or null), and more."""

    decision = serializers.SerializerMethodField()
    listing_status = serializers.CharField(source="listing.status", read_only=True)
    listing_external_id = serializers.CharField(source="listing.external_id", read_only=True)
    time_left_seconds = serializers.SerializerMethodField()
    detection = serializers.SerializerMethodField()
    counter_notice = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "status",
            "brand",
            "listing",
            "trademark",
            "kind",
            "created_at",
            "decision",
            "organisation",
            "listing_external_id",
            "listing_status",
            "suspect",
            "description",
            "detection",
            "fast_track",
            "due_at",
            "time_left_seconds",
            "decided_at",
            "counter_notice_deadline",
            "counter_notice",
            "updated_at",
        ]

    def get_decision(self, obj) -> dict | None:
        decisions = list(obj.decisions.all())
        return DecisionOut(decisions[-1]).data if decisions else None

    def get_time_left_seconds(self, obj) -> int | None:
        left = services.complaint_time_left(obj)
        return int(left.total_seconds()) if left is not None else None

    def get_detection(self, obj) -> dict | None:
        if obj.detection_score is None and not obj.detection_signals:
            return None
        return {"score": obj.detection_score, "signals": obj.detection_signals}

    def get_counter_notice(self, obj) -> dict | None:
        cn = getattr(obj, "counter_notice", None)
        if cn is None:
            return None
        return {"status": cn.status, "explanation": cn.explanation, "created_at": cn.created_at}


class MatchedReferenceOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    url = serializers.CharField()
    matched_by = serializers.CharField(help_text="the signal code that matched it")
    detail = serializers.CharField()


class ComplaintDetailOut(ComplaintOut):
    evidence = serializers.SerializerMethodField()
    reference_images = serializers.SerializerMethodField(
        help_text="the brand's reference images the detection evidence matched "
        "(brand staff and reviewers; empty for the seller)"
    )
    takedown_statement = serializers.SerializerMethodField(
        help_text="a fast-track takedown's statement of reasons while no decision is taken"
    )
    history = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    class Meta(ComplaintOut.Meta):
        fields = [
            *ComplaintOut.Meta.fields,
            "evidence",
            "reference_images",
            "takedown_statement",
            "history",
            "questions",
        ]

    @extend_schema_field(StatementOut(allow_null=True))
    def get_takedown_statement(self, obj) -> dict | None:
        return services.takedown_statement(obj)

    def _viewer(self):
        request = self.context.get("request")
        return request.user if request else None

    @extend_schema_field(MatchedReferenceOut(many=True))
    def get_reference_images(self, obj) -> list[dict]:
        viewer = self._viewer()
        if viewer is None or not selectors.references_visible_to(viewer):
            return []
        request = self.context.get("request")
        return [
            {
                "id": ref.pk,
                "kind": ref.kind,
                "url": request.build_absolute_uri(ref.image.url) if request else ref.image.url,
                "matched_by": ref.matched_by,
                "detail": ref.match_detail,
            }
            for ref in selectors.matched_references(obj)
        ]

    def get_evidence(self, obj) -> list[dict]:
        items = obj.evidence.all()
        viewer = self._viewer()
        if viewer is not None and viewer.role == Role.SELLER:
            items = [e for e in items if e.party == Evidence.Party.SELLER]
        return EvidenceOut(items, many=True, context=self.context).data

    def get_history(self, obj) -> list[dict]:
        viewer = self._viewer()
        if viewer is not None and viewer.role == Role.SELLER:
            # As in the portal: the seller reads the statements of reasons and
            # the questions, not the record of each step inside the review.
            return []
        return [
            {
                "from": e.from_status or None,
                "to": e.to_status,
                "at": e.created_at,
                "reason": e.reason,
            }
            for e in obj.events.all()
        ]

    def get_questions(self, obj) -> list[dict]:
        return [
            {
                "question": q.question,
                "asked_at": q.asked_at,
                "answer": q.answer or None,
                "answered_at": q.answered_at,
            }
            for q in obj.info_requests.all()
        ]


def _with_related(qs):
    return qs.select_related("counter_notice").prefetch_related(
        Prefetch("decisions", queryset=Decision.objects.order_by("created_at", "id"))
    )


def _fresh(user, complaint: Complaint) -> Complaint:
    qs = _with_related(selectors.complaints_for(user)).prefetch_related(
        "evidence", "events", "info_requests"
    )
    return qs.get(pk=complaint.pk)


def _detail(request, complaint, status_code=status.HTTP_200_OK) -> Response:
    # A party may lose sight of a complaint by acting on it (never in practice:
    # every action here keeps it visible to the actor); fall back to the row.
    try:
        complaint = _fresh(request.user, complaint)
    except Complaint.DoesNotExist:
        complaint = _with_related(Complaint.objects.all()).get(pk=complaint.pk)
    return Response(
        ComplaintDetailOut(complaint, context={"request": request}).data, status=status_code
    )


# --- Filing ---------------------------------------------------------------------------


class ComplaintIn(serializers.Serializer):
    suspect = serializers.IntegerField(required=False, help_text="one click: file from a suspect")
    listing = serializers.IntegerField(required=False)
    listing_external_id = serializers.CharField(required=False, max_length=128)
    brand = serializers.IntegerField(required=False)
    trademark = serializers.IntegerField(
        required=False, help_text="default: the brand's trademark in force covering the listing"
    )
    kind = serializers.ChoiceField(choices=ComplaintKind.choices, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=services.MAX_TEXT
    )
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="multipart: evidence files"
    )

    def validate(self, data):
        if "suspect" in data:
            return data
        missing = {}
        if "listing" not in data and "listing_external_id" not in data:
            missing["listing"] = ["Give suspect, or listing (or listing_external_id)."]
        for name in ("brand", "kind"):
            if name not in data:
                missing[name] = ["This field is required without suspect."]
        if not (data.get("description") or "").strip():
            missing["description"] = ["This field is required without suspect."]
        if missing:
            raise serializers.ValidationError(missing)
        return data


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [message]})


def resolve_row(user, data: dict) -> services.BulkRow:
    """Turn validated input into the objects a filing names, within what the
    user may see; an unknown or foreign id is the same error either way."""
    row = services.BulkRow(kind=data.get("kind") or "", description=data.get("description") or "")
    try:
        if data.get("suspect") is not None:
            row.suspect = suspects_for(user).filter(pk=data["suspect"]).first()
            if row.suspect is None:
                raise _field_error("suspect", "No such suspect.")
            return row
        row.brand = brands_for(user).select_related("organisation").filter(pk=data["brand"]).first()
        if row.brand is None:
            raise _field_error("brand", "No such brand.")
        if data.get("listing") is not None:
            row.listing = Listing.objects.filter(pk=data["listing"]).first()
        else:
            row.listing = Listing.objects.filter(external_id=data["listing_external_id"]).first()
        if row.listing is None:
            raise _field_error("listing", "No such listing.")
        if data.get("trademark") is not None:
            row.trademark = trademarks_for(user).filter(pk=data["trademark"]).first()
            if row.trademark is None:
                raise DomainError(
                    "The trademark is not one of this brand's.",
                    code="trademark_not_brands",
                    fields={"trademark": ["Not a trademark of this brand."]},
                )
    except DomainError as exc:
        row.error = exc
    return row


class ComplaintPagination(CursorPagination):
    ordering = "-id"


class ComplaintCollection(ListAPIView):
    """Complaints the user may see: a brand's own, a seller's actions on its
    listings, all for reviewers. Filters: ``status`` (comma-separated),
    ``brand``, ``listing``, ``kind``. POST files one complaint."""

    serializer_class = ComplaintOut
    pagination_class = ComplaintPagination

    def get_permissions(self):
        return [(IsBrandStaff if self.request.method == "POST" else IsComplaintParty)()]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="one or more statuses, comma-separated"),
            OpenApiParameter("brand", int),
            OpenApiParameter("listing", int),
            OpenApiParameter("kind", str, enum=ComplaintKind.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.complaints_for(self.request.user)
        return _with_related(selectors.complaints_filtered(qs, self.request.query_params))

    @extend_schema(
        request={"application/json": ComplaintIn, "multipart/form-data": ComplaintIn},
        responses={201: ComplaintOut},
        description=(
            'One click: `{"suspect": id}` (implies the infringing judgment; brand, '
            "trademark, kind and description are filled in). Manual: `listing`, `brand`, "
            "`kind`, `description`, optional `trademark` and `evidence` files (multipart). "
            "An open complaint by the same brand on the listing answers 409 "
            "`duplicate_complaint` with its id in `error.complaint`."
        ),
    )
    def post(self, request):
        data = _files_too(request, ComplaintIn)
        row = resolve_row(request.user, data)
        if row.error is not None:
            raise row.error
        evidence = data.get("evidence") or []
        if row.suspect is not None:
            complaint = services.complaint_file_from_suspect(
                user=request.user,
                suspect=row.suspect,
                kind=data.get("kind"),
                description=data.get("description") or "",
                evidence=evidence,
            )
        else:
            complaint = services.complaint_file(
                user=request.user,
                brand=row.brand,
                listing=row.listing,
                trademark=row.trademark,
                kind=row.kind,
                description=row.description,
                evidence=evidence,
            )
        complaint = _with_related(Complaint.objects.all()).get(pk=complaint.pk)
        return Response(ComplaintOut(complaint).data, status=status.HTTP_201_CREATED)


class CSVParser(parsers.BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read().decode("utf-8-sig", errors="replace")


BULK_COLUMNS = (
    "suspect",
    "listing",
    "listing_external_id",
    "brand",
    "trademark",
    "kind",
    "description",
)


def _bulk_items(request) -> list:
    data = request.data
    if isinstance(data, str):
        return _csv_rows(data)
    if hasattr(data, "getlist"):
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(
                "Upload the CSV as the file field.", fields={"file": ["A CSV file is required."]}
            )
        return _csv_rows(upload.read().decode("utf-8-sig", errors="replace"))
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return data["items"]
    if isinstance(data, list):
        return data
    raise DomainError(
        'Send a JSON array of complaints, {"items": [...]}, or a CSV file.',
        code="malformed_request",
    )


def _csv_rows(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not set(reader.fieldnames) & set(BULK_COLUMNS):
        raise DomainError(
            "The CSV needs a header row with: " + ", ".join(BULK_COLUMNS) + ".",
            code="malformed_request",
        )
    rows = []
    for raw in reader:
        rows.append({k: v.strip() for k, v in raw.items() if k in BULK_COLUMNS and v and v.strip()})
    return rows


class ComplaintBulk(APIView):
    """File up to ``COMPLAINT_BULK_MAX`` complaints in one request: a JSON
    array (or ``{"items": [...]}``) of complaint bodies, or a CSV with a
    header row (``text/csv`` body, or multipart ``file``). Answers 200 with one
    result per row, in order: the complaint, or ``{"row", "error"}``. Rows are
    filed independently: a refused row never sinks the others."""

    permission_classes = [IsBrandStaff]
    parser_classes = [parsers.JSONParser, CSVParser, parsers.MultiPartParser]

    @extend_schema(
        request={
            "application/json": ComplaintIn(many=True),
            "text/csv": {"type": "string"},
            "multipart/form-data": inline_serializer(
                "ComplaintBulkUpload", {"file": serializers.FileField()}
            ),
        },
        responses={200: ComplaintOut(many=True)},
    )
    def post(self, request):
        from django.conf import settings

        items = _bulk_items(request)
        if len(items) > settings.COMPLAINT_BULK_MAX:
            raise DomainError(
                f"At most {settings.COMPLAINT_BULK_MAX} complaints per request.",
                code="too_many_items",
            )
        if not items:
            raise DomainError("No complaints to file.", code="validation_error")
        rows = []
        for item in items:
            ser = ComplaintIn(data=item if isinstance(item, dict) else {})
            if not isinstance(item, dict):
                rows.append(services.BulkRow(error=DomainError("Each item is an object.")))
            elif not ser.is_valid():
                from platform_core.api.errors import validation_error_body

                body = validation_error_body(ser.errors)["error"]
                rows.append(
                    services.BulkRow(
                        error=DomainError(body["message"], code=body["code"], fields=body["fields"])
                    )
                )
            else:
                rows.append(resolve_row(request.user, ser.validated_data))
        results = services.complaints_file_bulk(user=request.user, rows=rows)
        filed = {
            c.pk: c
            for c in _with_related(
                Complaint.objects.filter(pk__in=[r.pk for r in results if isinstance(r, Complaint)])
            )
        }
        out = []
        for index, result in enumerate(results, start=1):
            if isinstance(result, Complaint):
                out.append({"row": index, **ComplaintOut(filed[result.pk]).data})
            else:
                out.append(
                    {
                        "row": index,
                        **error_body(result.code, result.message, result.fields, **result.extra),
                    }
                )
        return Response(out, status=status.HTTP_200_OK)


# --- One complaint ----------------------------------------------------------------------


class ComplaintDetail(APIView):
    permission_classes = [IsComplaintParty]

    @extend_schema(responses=ComplaintDetailOut)
    def get(self, request, pk):
        return _detail(request, selectors.complaint_get_for_user(request.user, pk))


class StatementCollection(APIView):
    """Every decision on the complaint with its statement of reasons (facts,
    rule applied, remedy), oldest first: what both sides were sent."""

    permission_classes = [IsComplaintParty]

    @extend_schema(responses=DecisionOut(many=True))
    def get(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        decisions = complaint.decisions.order_by("created_at", "id")
        return Response({"results": DecisionOut(decisions, many=True).data, "next": None})


class DecisionIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    reason = serializers.CharField(max_length=services.MAX_TEXT)
    bad_faith = serializers.BooleanField(
        default=False, help_text="with rejected: manifestly unfounded / bad faith"
    )


class ComplaintDecision(APIView):
    """Reviewers decide: ``upheld`` (listing delisted in the same
    transaction, strike on the seller), ``rejected`` (listing stays or is
    restored; ``bad_faith`` marks it manifestly unfounded) or ``needs_info``
    (the reason is the question to the brand). From ``submitted`` or
    ``under_review``, and from ``counter_noticed`` for the re-decision after a
    seller's counter-notice: rejecting then means the counter-notice
    succeeded. A complaint already decided answers 409 ``invalid_transition``."""

    permission_classes = [IsReviewer]

    @extend_schema(request=DecisionIn, responses=ComplaintDetailOut)
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        data = _validated(DecisionIn, request.data)
        complaint = services.complaint_decide(reviewer=request.user, complaint=complaint, **data)
        return _detail(request, complaint)


class ComplaintReview(APIView):
    """A reviewer takes the complaint (it becomes ``under_review``)."""

    permission_classes = [IsReviewer]

    @extend_schema(request=None, responses=ComplaintDetailOut)
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        complaint = services.complaint_start_review(reviewer=request.user, complaint=complaint)
        return _detail(request, complaint)


class AnswerIn(serializers.Serializer):
    answer = serializers.CharField(max_length=services.MAX_TEXT)
    evidence = serializers.ListField(child=serializers.FileField(), required=False)


class ComplaintAnswer(APIView):
    """The brand answers a request for information (``needs_info``): the
    complaint is under review again and the 24-hour clock restarts."""

    permission_classes = [IsBrandStaff]

    @extend_schema(
        request={"application/json": AnswerIn, "multipart/form-data": AnswerIn},
        responses=ComplaintDetailOut,
    )
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        data = _files_too(request, AnswerIn)
        complaint = services.complaint_answer_info(
            user=request.user,
            complaint=complaint,
            answer=data["answer"],
            evidence=data.get("evidence") or [],
        )
        return _detail(request, complaint)


def _files_too(request, serializer_class):
    if hasattr(request.data, "getlist"):
        data = {k: v for k, v in request.data.items() if k not in request.FILES}
        if files := request.FILES.getlist("evidence"):
            data["evidence"] = files
        return _validated(serializer_class, data)
    return _validated(serializer_class, request.data)


class WithdrawIn(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="", max_length=services.MAX_TEXT)


class ComplaintWithdraw(APIView):
    """The complainant withdraws an open complaint; a listing it took down is
    restored (after a counter-notice, withdrawing concedes it)."""

    permission_classes = [IsBrandStaff]

    @extend_schema(request=WithdrawIn, responses=ComplaintDetailOut)
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        data = _validated(WithdrawIn, request.data)
        complaint = services.complaint_withdraw(
            user=request.user, complaint=complaint, reason=data["reason"]
        )
        return _detail(request, complaint)


class CounterNoticeIn(serializers.Serializer):
    explanation = serializers.CharField(max_length=services.MAX_TEXT)
    evidence = serializers.ListField(child=serializers.FileField(), required=False)


class ComplaintCounterNotice(APIView):
    """The listing's seller contests an upheld complaint within
    ``COUNTER_NOTICE_WINDOW_DAYS`` of the decision, with an explanation and
    optional evidence files (multipart ``evidence``). The complaint becomes
    ``counter_noticed`` and goes back to review."""

    permission_classes = [IsSeller]

    @extend_schema(
        request={"application/json": CounterNoticeIn, "multipart/form-data": CounterNoticeIn},
        responses={201: ComplaintDetailOut},
    )
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        data = _files_too(request, CounterNoticeIn)
        services.counter_notice_file(
            user=request.user,
            complaint=complaint,
            explanation=data["explanation"],
            evidence=data.get("evidence") or [],
        )
        return _detail(request, complaint, status.HTTP_201_CREATED)


class EscalateIn(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_TEXT)


class ComplaintEscalate(APIView):
    """Send the complaint to public appraisal; it stays ``in_appraisal``
    until the jury's verdict decides it."""

    permission_classes = [IsReviewer]

    @extend_schema(request=EscalateIn, responses=ComplaintDetailOut)
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        data = _validated(EscalateIn, request.data)
        complaint = services.complaint_escalate(
            reviewer=request.user, complaint=complaint, reason=data["reason"]
        )
        return _detail(request, complaint)


class EvidenceDownload(APIView):
    permission_classes = [IsComplaintParty]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk, evidence_pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        evidence = selectors.evidence_get_for_user(request.user, complaint, evidence_pk)
        return private_document_response(evidence.file)


# --- Test purchases -----------------------------------------------------------------------


class TestPurchaseOut(serializers.ModelSerializer):
    class Meta:
        model = TestPurchase
        fields = [
            "id",
            "complaint",
            "status",
            "instructions",
            "ordered_at",
            "ordered_by",
            "buyer",
            "purchased_at",
            "cost",
            "currency",
            "result",
            "appraiser",
            "report",
            "completed_at",
        ]


TestPurchaseOut.__test__ = False  # type: ignore[attr-defined]


class TestPurchaseOrderIn(serializers.Serializer):
    instructions = serializers.CharField(allow_blank=True, default="", max_length=5000)


class TestPurchaseResultIn(serializers.Serializer):
    buyer = serializers.CharField(max_length=200, help_text="who made the purchase")
    purchased_at = serializers.DateTimeField()
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$")
    result = serializers.ChoiceField(choices=TestPurchase.Result.choices)
    appraiser = serializers.CharField(max_length=200)
    report = serializers.CharField(max_length=services.MAX_TEXT)
    report_file = serializers.FileField(required=False)
    bad_faith = serializers.BooleanField(
        default=False, help_text="with genuine: the complaint was manifestly unfounded"
    )


class TestPurchaseCollection(ListAPIView):
    """Reviewers order a sample buy for a complaint under review (the seller
    is not told) and list the complaint's purchases."""

    serializer_class = TestPurchaseOut
    permission_classes = [IsReviewer]
    pagination_class = None

    def get_queryset(self):
        complaint = selectors.complaint_get_for_user(self.request.user, self.kwargs["pk"])
        return complaint.test_purchases.all()

    @extend_schema(request=TestPurchaseOrderIn, responses={201: TestPurchaseOut})
    def post(self, request, pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        data = _validated(TestPurchaseOrderIn, request.data)
        purchase = services.test_purchase_order(
            reviewer=request.user, complaint=complaint, instructions=data["instructions"]
        )
        return Response(TestPurchaseOut(purchase).data, status=status.HTTP_201_CREATED)


TestPurchaseCollection.__test__ = False  # type: ignore[attr-defined]


class TestPurchaseResult(APIView):
    """Record the purchase and its authentication. ``counterfeit`` upholds
    the complaint, ``genuine`` rejects it (even against the brand's own
    identification), ``inconclusive`` leaves the decision to the reviewer."""

    permission_classes = [IsReviewer]

    @extend_schema(
        request={
            "application/json": TestPurchaseResultIn,
            "multipart/form-data": TestPurchaseResultIn,
        },
        responses=TestPurchaseOut,
    )
    def post(self, request, pk, purchase_pk):
        complaint = selectors.complaint_get_for_user(request.user, pk)
        purchase = complaint.test_purchases.filter(pk=purchase_pk).first()
        if purchase is None:
            from platform_core.errors import NotFound

            raise NotFound("No such test purchase.")
        data = _validated(TestPurchaseResultIn, request.data)
        purchase = services.test_purchase_record(reviewer=request.user, purchase=purchase, **data)
        return Response(TestPurchaseOut(purchase).data)


TestPurchaseResult.__test__ = False  # type: ignore[attr-defined]


class ReviewQueue(ListAPIView):
    """The reviewers' queue: fast-track complainants first, then by due time
    (a target of ``COMPLAINT_REVIEW_TARGET_HOURS`` from filing, answer or
    counter-notice); ``time_left_seconds`` is negative when overdue."""

    serializer_class = ComplaintOut
    permission_classes = [IsReviewer]

    def get_queryset(self):
        return _with_related(selectors.review_queue(Complaint.objects.select_related("listing")))

    def paginate_queryset(self, queryset):
        # The queue's order is not a cursor order: plain pages of page_size.
        raw = self.request.query_params.get("page_size") or "50"
        size = min(n, 500) if (n := as_id(raw)) else 50
        return list(queryset[:size])

    def get_paginated_response(self, data):
        return Response({"results": data, "next": None, "as_of": timezone.now()})
