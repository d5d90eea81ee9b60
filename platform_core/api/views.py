"""Base classes every CoGuard API view derives from."""

from rest_framework import generics, views

from .idempotency import IdempotentMixin


class APIView(IdempotentMixin, views.APIView):
    pass


class ListAPIView(IdempotentMixin, generics.ListAPIView):
    pass


class RetrieveAPIView(IdempotentMixin, generics.RetrieveAPIView):
    pass
