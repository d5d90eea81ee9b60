"""Public appraisal in the integrator API: reviewers open cases, judges see
their assignments and vote, parties add statements and appeal. Thin: parse,
call one service, answer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from complaints.models import Complaint
from marketplace.models import Listing, Shop
from platform_core.api.pagination import CursorPagination
from platform_core.api.permissions import IsReviewer, role_permission
from platform_core.api.views import APIView, ListAPIView
from platform_core.errors import DomainError
from platform_core.models import Role

from . import selectors, services
from .models import Case, Choice, Verdict

IsJudge = role_permission(Role.JUDGE)
IsParty = role_permission(Role.BRAND, Role.SELLER, Role.REVIEWER)


def _validated(serializer_class, data):
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class AppraisalCaseIn(serializers.Serializer):
    complaint = serializers.IntegerField(required=False)
    listing = serializers.IntegerField(required=False)
    shop = serializers.IntegerField(required=False)
    question = serializers.CharField(max_length=500)
    jury_size = serializers.IntegerField(required=False, min_value=3, max_value=101)
    statement_hours = serializers.IntegerField(required=False, min_value=0, max_value=720)
    known_answer = serializers.ChoiceField(choices=Verdict.choices, required=False)


class BallotIn(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Choice.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CaseStatementIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class CaseAppealIn(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class BallotOut(serializers.Serializer):
    """The voter's own ballot, echoed back; nobody else's is ever shown before close."""

    case = serializers.IntegerField()
    choice = serializers.CharField()
    voted_at = serializers.DateTimeField()


class CaseStatementOut(serializers.Serializer):
    id = serializers.IntegerField()
    party = serializers.CharField()
    created_at = serializers.DateTimeField()


class AppraisalCaseOut(serializers.ModelSerializer):
    """A case as anyone allowed to see it sees it: no tally, no ballots and
    no known-answer flag; ``result`` is null until the case closes."""

    result = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "subject",
            "complaint",
            "listing",
            "shop",
            "question",
            "jury_size",
            "level",
            "parent",
            "status",
            "statements_until",
            "voting_opened_at",
            "deadline",
            "created_at",
            "result",
        ]

    def get_result(self, obj) -> dict | None:
        return selectors.case_result(obj)


class AppraisalAssignmentOut(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    question = serializers.CharField(source="case.question")
    status = serializers.CharField(source="case.status")
    due_at = serializers.DateTimeField()
    voted = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_voted(self, obj) -> bool:
        return obj.voted_at is not None

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/api/v1/appraisal/cases/{obj.case_id}/"
        return request.build_absolute_uri(path) if request else path


def _get(model, pk, field):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise DomainError(f"No such {field}.", fields={field: ["Not found."]})
    return obj


class CaseCollection(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(responses=AppraisalCaseOut(many=True))
    def get(self, request):
        paginator = CursorPagination()
        page = paginator.paginate_queryset(
            selectors.cases_for_reviewer(request.user), request, view=self
        )
        return paginator.get_paginated_response(AppraisalCaseOut(page, many=True).data)

    @extend_schema(request=AppraisalCaseIn, responses={201: AppraisalCaseOut})
    def post(self, request):
        data = _validated(AppraisalCaseIn, request.data)
        case = services.case_open(
            reviewer=request.user,
            question=data["question"],
            complaint=_get(Complaint, data.get("complaint"), "complaint"),
            listing=_get(Listing, data.get("listing"), "listing"),
            shop=_get(Shop, data.get("shop"), "shop"),
            jury_size=data.get("jury_size"),
            statement_hours=data.get("statement_hours"),
            known_answer=data.get("known_answer", ""),
        )
        return Response(AppraisalCaseOut(case).data, status=status.HTTP_201_CREATED)


class CaseDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AppraisalCaseOut)
    def get(self, request, pk: int):
        case = selectors.case_get_for_user(request.user, pk)
        body = AppraisalCaseOut(case).data
        body["evidence"] = selectors.evidence_bundle(case)
        vote = selectors.own_vote(request.user, case)
        body["your_vote"] = {"choice": vote.choice, "reason": vote.reason} if vote else None
        return Response(body)


class CaseVote(APIView):
    permission_classes = [IsJudge]

    @extend_schema(request=BallotIn, responses={201: BallotOut})
    def post(self, request, pk: int):
        data = _validated(BallotIn, request.data)
        vote = services.vote_cast(
            judge=request.user, case=pk, choice=data["choice"], reason=data.get("reason", "")
        )
        return Response(
            {"case": vote.case_id, "choice": vote.choice, "voted_at": vote.created_at},
            status=status.HTTP_201_CREATED,
        )


class CaseStatement(APIView):
    permission_classes = [IsParty]

    @extend_schema(request=CaseStatementIn, responses={201: CaseStatementOut})
    def post(self, request, pk: int):
        data = _validated(CaseStatementIn, request.data)
        case = Case.objects.filter(pk=pk).first()
        if case is None:
            raise DomainError("No such case.", code="not_found", status=404)
        statement = services.statement_add(user=request.user, case=case, text=data["text"])
        return Response(
            {"id": statement.pk, "party": statement.party, "created_at": statement.created_at},
            status=status.HTTP_201_CREATED,
        )


class CaseAppeal(APIView):
    permission_classes = [IsParty]

    @extend_schema(request=CaseAppealIn, responses={201: AppraisalCaseOut})
    def post(self, request, pk: int):
        data = _validated(CaseAppealIn, request.data)
        case = Case.objects.filter(pk=pk).first()
        if case is None:
            raise DomainError("No such case.", code="not_found", status=404)
        appeal = services.case_appeal(user=request.user, case=case, reason=data["reason"])
        return Response(AppraisalCaseOut(appeal).data, status=status.HTTP_201_CREATED)


class Assignments(ListAPIView):
    permission_classes = [IsJudge]
    serializer_class = AppraisalAssignmentOut
    pagination_class = CursorPagination

    def get_queryset(self):
        return selectors.open_assignments_for(self.request.user)

    def list(self, request, *args, **kwargs):
        paginator = CursorPagination()
        paginator.ordering = "id"
        page = paginator.paginate_queryset(self.get_queryset(), request, view=self)
        data = AppraisalAssignmentOut(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)
