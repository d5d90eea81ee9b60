from .base import Finding, ScanContext

# Only a confident model adds evidence; the rules stay the explanation.
MIN_PROBABILITY = 0.5
MAX_WEIGHT = 0.6


class ModelScore:
    """The learned score, applied to a whole batch of (listing, brand)
    candidates in one ``predict_proba`` call."""

    code = "model_score"

    def evaluate_batch(
        self, candidates: list[tuple[int, int, str, list[dict]]], ctx: ScanContext
    ) -> list[Finding]:
        """candidates: (listing id, brand id, title, rule signals)."""
        if ctx.model is None or not candidates:
            return []
        from detection.learning import features

        probabilities = ctx.model.predict_proba(features([(t, s) for _, _, t, s in candidates]))
        findings = []
        for (listing_id, brand_id, _, _), p in zip(candidates, probabilities[:, 1], strict=True):
            if p >= MIN_PROBABILITY:
                findings.append(
                    Finding(
                        self.code,
                        brand_id,
                        round(float(p) * MAX_WEIGHT, 3),
                        f"Similar listings were judged infringing ({p:.0%} by the model "
                        f"#{ctx.model_version})",
                        {"listing": listing_id, "probability": round(float(p), 3)},
                    )
                )
        return findings
