"""Portal routes for counterfeit networks, in the portal's namespace:
``path("", include("networks.urls"))`` in ``portal_urls``."""

from django.urls import path

from . import views

urlpatterns = [
    path("rings/", views.ring_list, name="rings"),
    path("rings/<int:pk>/", views.ring_detail, name="ring"),
    path("rings/<int:pk>/evidence-pack/", views.ring_evidence_pack, name="ring-evidence-pack"),
    path("rings/<int:pk>/complaints/", views.ring_file_complaints, name="ring-complaints"),
]
