"""The learned score: a scikit-learn model trained on brands' judgments.

Features are the rule signals' weights (one column per signal code) plus
hashed character n-grams of the title, so the model learns both which
combinations of evidence brands confirm and the vocabulary of fakes. Each
trained version is stored with its cross-validated precision and recall; the
newest active version scores listings in batches, never one call per listing.
"""

from __future__ import annotations

import io
import logging

import joblib
import numpy as np
from django.db import transaction
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from .models import ModelVersion, SignalCode, Suspect, SuspectStatus

log = logging.getLogger(__name__)

RULE_CODES = [c for c in SignalCode.values if c != SignalCode.MODEL_SCORE]
POSITIVE = {SuspectStatus.CONFIRMED, SuspectStatus.COMPLAINED}
NEGATIVE = {SuspectStatus.DISMISSED}
_VECTORIZER = HashingVectorizer(
    analyzer="char_wb", ngram_range=(2, 4), n_features=2**16, alternate_sign=False, norm="l2"
)


def features(items: list[tuple[str, list[dict]]]):
    """(title, signals) pairs → a sparse feature matrix."""
    dense = np.zeros((len(items), len(RULE_CODES)), dtype=np.float32)
    for row, (_, signals) in enumerate(items):
        for s in signals:
            if s["code"] in RULE_CODES:
                col = RULE_CODES.index(s["code"])
                dense[row, col] = max(dense[row, col], float(s["weight"]))
    text = _VECTORIZER.transform([title for title, _ in items])
    return sparse.hstack([sparse.csr_matrix(dense), text], format="csr")


def training_set() -> tuple[list[tuple[str, list[dict]]], np.ndarray]:
    rows = Suspect.objects.filter(status__in=POSITIVE | NEGATIVE).values_list(
        "listing__title", "signals", "status"
    )
    items, labels = [], []
    for title, signals, status in rows.iterator():
        items.append((title, [s for s in signals if s["code"] != SignalCode.MODEL_SCORE]))
        labels.append(1 if status in POSITIVE else 0)
    return items, np.array(labels)


def train(min_per_class: int | None = None) -> ModelVersion | None:
    """Train a new version if there are enough judgments of each verdict."""
    from .services import policy

    min_per_class = min_per_class or policy().min_labels_for_model
    items, y = training_set()
    positives = int(y.sum())
    if positives < min_per_class or len(y) - positives < min_per_class:
        log.info("not enough judgments to train (%s positive of %s)", positives, len(y))
        return None
    X = features(items)
    model = LogisticRegression(class_weight="balanced", max_iter=2000, C=2.0)
    folds = StratifiedKFold(
        n_splits=min(5, positives, len(y) - positives), shuffle=True, random_state=0
    )
    predicted = cross_val_predict(model, X, y, cv=folds)
    model.fit(X, y)
    blob = io.BytesIO()
    joblib.dump(model, blob)
    with transaction.atomic():
        ModelVersion.objects.filter(active=True).update(active=False)
        version = ModelVersion.objects.create(
            labels=len(y),
            positives=positives,
            precision=float(precision_score(y, predicted, zero_division=0)),
            recall=float(recall_score(y, predicted, zero_division=0)),
            blob=blob.getvalue(),
        )
    return version


def load(version: ModelVersion):
    # Blobs are written only by ``train`` above, from this codebase.
    return joblib.load(io.BytesIO(bytes(version.blob)))


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(active=True).order_by("-created_at").first()
