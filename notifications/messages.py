"""Notification text in the reader's language.

A notification row keeps the text as it was written, so the console, old rows
and integrators can always read it. The sentences services write follow the
templates below; at display time the stored text is read back against them
(in any language the platform speaks) and the same sentence is rendered in
the reader's active language. Names, free text and anything that matches no
template are shown as stored, so nothing is ever lost in translation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# Whole sentences or paragraphs, as the services write them. The names in
# %(...)s are only how a stored value is carried across to the translation.
TEMPLATES = (
    # Titles
    gettext_noop("Listing %(listing)s taken down pending review"),
    gettext_noop("Complaint #%(complaint)s on listing %(listing)s: %(outcome)s"),
    gettext_noop("Complaint #%(complaint)s: the complainant answered"),
    gettext_noop("Complaint #%(complaint)s withdrawn"),
    gettext_noop("Complaint #%(complaint)s on your listing %(listing)s withdrawn"),
    gettext_noop("Counter-notice against complaint #%(complaint)s"),
    gettext_noop("Counter-notice received for listing %(listing)s"),
    gettext_noop("Complaint #%(complaint)s sent to public appraisal"),
    gettext_noop("Complaint #%(complaint)s on your listing sent to public appraisal"),
    gettext_noop("Strike %(count)s of %(threshold)s"),
    gettext_noop("Shop %(shop)s suspended"),
    gettext_noop("Shop %(shop)s reinstated"),
    gettext_noop("Fast-track takedown gained"),
    gettext_noop("Fast-track takedown lost"),
    gettext_noop("Filing suspended"),
    gettext_noop("Warning: manifestly unfounded complaints"),
    gettext_noop("You were drawn for appraisal case #%(case)s"),
    gettext_noop("Public appraisal case #%(case)s opened"),
    gettext_noop("Appraisal case #%(case)s came back without a verdict"),
    gettext_noop("Appraisal case #%(case)s closed: %(result)s"),
    gettext_noop("Appraisal case #%(case)s decided: %(verdict)s"),
    gettext_noop("A counterfeit network holds %(n)s of your suspects"),
    # Bodies, and the sentences and lines they are made of
    gettext_noop(
        'Your listing "%(title)s" was taken down pending review of a %(kind)s complaint by '
        "%(brand)s (complaint #%(complaint)s).\n\nFacts:\n%(facts)s\n\nRule applied:\n"
        "%(rule)s\n\nRemedy:\n%(remedy)s"
    ),
    gettext_noop(
        "Outcome: %(outcome)s.\n\nFacts:\n%(facts)s\n\nRule applied:\n%(rule)s\n\n"
        "Remedy:\n%(remedy)s"
    ),
    gettext_noop("Complaint #%(complaint)s on listing %(listing)s is withdrawn: %(reason)s"),
    gettext_noop(
        "Complaint #%(complaint)s on listing %(listing)s is withdrawn: %(reason)s The listing "
        "is restored."
    ),
    gettext_noop("Withdrawn by the complainant."),
    gettext_noop("The seller of listing %(listing)s contests complaint #%(complaint)s: %(text)s"),
    gettext_noop(
        "A reviewer will re-decide; if the counter-notice succeeds the listing is restored "
        "and the complaint counts against your accuracy."
    ),
    gettext_noop(
        "Your counter-notice against complaint #%(complaint)s was received. A reviewer will "
        "re-decide within %(hours)s hours."
    ),
    gettext_noop(
        "Complaint #%(complaint)s on listing %(listing)s goes to public appraisal: %(reason)s"
    ),
    gettext_noop("A jury of public judges decides; both sides hear the outcome."),
    gettext_noop(
        "An upheld complaint added a strike to your account: %(count)s within %(window)s "
        "days. At %(threshold)s your shops are suspended and all their listings delisted "
        "under the repeat-infringer policy."
    ),
    gettext_noop(
        "Repeat-infringer policy: %(count)s upheld complaints within %(window)s days "
        "(threshold %(threshold)s)."
    ),
    gettext_noop(
        "%(reason)s Your shop %(shop)s (%(shop_id)s) is suspended and its %(delisted)s live "
        "listings are delisted."
    ),
    gettext_noop(
        "Repeat-infringer policy: strikes were voided and %(count)s remain within %(window)s "
        "days (threshold %(threshold)s); the automatic suspension is lifted."
    ),
    gettext_noop(
        "%(reason)s Your shop %(shop)s (%(shop_id)s) is active again and %(restored)s of its "
        "listings are back as they were before the suspension."
    ),
    gettext_noop(
        "Fast track gained: %(decided)s complaints decided in %(days)s days, %(upheld)s "
        "upheld, %(overturned)s overturned by counter-notice. Listings you complain about now "
        "come down at filing, pending review; a rejected complaint puts the listing back."
    ),
    gettext_noop(
        "Fast track lost: %(decided)s complaints decided in %(days)s days, %(upheld)s "
        "upheld, %(overturned)s overturned by counter-notice. The thresholds are "
        "%(min_upheld)s upheld and at most %(max_overturned)s overturned, over at least "
        "%(min_complaints)s complaints. It can be regained after %(date)s."
    ),
    gettext_noop(
        "%(count)s manifestly unfounded complaints within %(window)s days after a warning: "
        "filing suspended until %(until)s UTC."
    ),
    gettext_noop(
        "%(count)s manifestly unfounded complaints within %(window)s days. At %(suspend_at)s, "
        "filing is suspended for %(days)s days."
    ),
    gettext_noop("Please vote by %(due)s UTC."),
    gettext_noop("You may add a statement until voting opens."),
    gettext_noop("%(result)s: %(summary)s. Decide it yourself."),
    gettext_noop("The jury found: %(result)s (%(summary)s)."),
    gettext_noop("Either party may appeal until %(until)s UTC."),
    gettext_noop(
        "Public appraisal case #%(case)s, a jury of %(size)s judges asked '%(question)s', "
        "found %(result)s: %(infringing)s infringing, %(not_infringing)s not infringing, "
        "%(abstain)s abstaining."
    ),
    gettext_noop(
        "Public appraisal case #%(case)s (appeal level %(level)s), a jury of %(size)s judges "
        "asked '%(question)s', found %(result)s: %(infringing)s infringing, "
        "%(not_infringing)s not infringing, %(abstain)s abstaining."
    ),
    gettext_noop(
        "Platform review links %(shops)s shops into network #%(ring)s, where %(n)s of your "
        "suspects are listed. You can file complaints for all of them from the network's page."
    ),
    # Lines of a statement of reasons
    gettext_noop(
        "Complaint #%(complaint)s by %(organisation)s for the brand %(brand)s, filed "
        "%(filed)s UTC: %(kind)s."
    ),
    gettext_noop(
        "Right asserted: trademark %(jurisdiction)s %(number)s (Nice classes %(classes)s), in "
        "force until %(expires)s."
    ),
    gettext_noop(
        'Listing %(listing)s "%(title)s" in the shop %(shop)s (%(shop_id)s), offered at '
        "%(price)s %(currency)s."
    ),
    gettext_noop("The complainant states: %(text)s"),
    gettext_noop("Detection evidence (score %(score)s): %(details)s."),
    gettext_noop("Findings: %(text)s"),
    gettext_noop("Counter-notice filed %(date)s UTC; the seller states: %(text)s"),
    gettext_noop(
        "Test purchase: bought by %(buyer)s on %(date)s for %(cost)s %(currency)s; "
        "authenticated by %(appraiser)s as %(result)s. Report: %(report)s"
    ),
    gettext_noop("Public appraisal verdict: %(verdict)s. %(reason)s"),
    gettext_noop("The reviewer asks: %(text)s"),
    gettext_noop(
        "Platform rule 3.1 (counterfeit goods): a listing offering goods that bear a "
        "registered trademark, or a sign indistinguishable from it, without the holder's "
        "consent is removed, and the seller receives a strike."
    ),
    gettext_noop(
        "Platform rule 3.2 (trademark misuse): a listing may not use a registered trademark "
        "in its title, description or images for goods the holder did not put on the market; "
        "such a listing is removed, and the seller receives a strike."
    ),
    gettext_noop(
        "Platform rule 3.3 (lookalike marks): a listing using a sign confusingly similar to a "
        "registered trademark for the same class of goods is removed, and the seller "
        "receives a strike."
    ),
    gettext_noop(
        "Platform rule 3.4 (images): a listing using the rights holder's product or brand "
        "images to sell goods the holder did not make is removed, and the seller receives "
        "a strike."
    ),
    gettext_noop(
        "Platform rule 3.5 (other infringements of a registered trademark): a listing shown "
        "to infringe the right asserted is removed, and the seller receives a strike."
    ),
    gettext_noop(
        "Platform rule 4.1: a complaint is rejected when the evidence does not establish that "
        "the listing infringes the right asserted; the listing stays online or is restored."
    ),
    gettext_noop(
        "Platform rule 4.2 (manifestly unfounded complaints): a complaint that plainly has no "
        "basis lowers the complainant's integrity score; repeated ones suspend filing."
    ),
    gettext_noop(
        "Platform rule 2.3: a complaint must establish the right and the infringement; the "
        "reviewer may ask the complainant for what is missing before deciding."
    ),
    gettext_noop(
        "Platform rule 2.5 (good-faith fast track): a listing named in a complaint by a "
        "complainant with a record of accurate complaints is taken down at filing, pending "
        "the platform's review; if the review rejects the complaint the listing is restored."
    ),
    gettext_noop(
        "Platform rule 5.1 (counter-notices): a seller may contest a takedown; a successful "
        "counter-notice restores the listing, voids the strike and counts against the "
        "complainant's accuracy."
    ),
    # Sentences of a remedy
    gettext_noop("The listing %(listing)s is delisted."),
    gettext_noop("The listing %(listing)s, taken down at filing, stays delisted."),
    gettext_noop("The listing %(listing)s was already delisted and stays so."),
    gettext_noop("The seller's counter-notice is dismissed: the takedown stands."),
    gettext_noop(
        "A strike is recorded against the seller (%(count)s of %(threshold)s within "
        "%(window)s days before the shop is suspended)."
    ),
    gettext_noop("The seller may file a counter-notice until %(until)s UTC."),
    gettext_noop("The listing %(listing)s is restored."),
    gettext_noop("The listing %(listing)s stays delisted for other reasons."),
    gettext_noop("The listing %(listing)s stays online."),
    gettext_noop(
        "The seller's counter-notice succeeds: the strike is voided and the complaint counts "
        "against the complainant's accuracy (integrity %(delta)s)."
    ),
    gettext_noop(
        "The complaint is manifestly unfounded: the complainant's integrity score changes by "
        "%(delta)s."
    ),
    gettext_noop(
        "The complainant is asked to answer by %(until)s UTC; without an answer the complaint "
        "is closed as rejected."
    ),
    gettext_noop("The listing stays down meanwhile (fast-track takedown)."),
    gettext_noop("No action is taken on the listing meanwhile."),
    gettext_noop(
        "The listing %(listing)s is taken down pending review. A reviewer decides within "
        "%(hours)s hours of filing; if the complaint is rejected or withdrawn the listing is "
        "restored. If it is upheld you may file a counter-notice."
    ),
)

# Single words services put into sentences, lower-cased or as labelled:
# outcomes, kinds of complaint, jury results and verdicts.
WORDS = (
    gettext_noop("Upheld"),
    gettext_noop("Rejected"),
    gettext_noop("More information needed"),
    gettext_noop("Counterfeit"),
    gettext_noop("Trademark misuse"),
    gettext_noop("Shanzhai (lookalike brand)"),
    gettext_noop("Image theft"),
    gettext_noop("Other"),
    gettext_noop("Infringing"),
    gettext_noop("Not infringing"),
    gettext_noop("Genuine"),
    gettext_noop("Inconclusive"),
    gettext_noop("Tie"),
    gettext_noop("No quorum"),
)

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Where one sentence ends and the next begins, in English text.
SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[A-Z])")
# Values that are always whole numbers: matching them as digits keeps one
# sentence from being read as another that merely contains it.
NUMBERS = {
    "complaint",
    "case",
    "count",
    "threshold",
    "window",
    "hours",
    "n",
    "shops",
    "ring",
    "size",
    "level",
    "infringing",
    "not_infringing",
    "abstain",
    "delisted",
    "restored",
    "decided",
    "days",
    "suspend_at",
    "min_complaints",
}
# Values that span lines (the parts of a statement of reasons); every other
# value stays on its line, so a line's sentence never swallows the next line.
PARAGRAPHS = {"facts", "rule", "remedy"}


def sentence_pattern(text: str) -> re.Pattern:
    """A regular expression that reads the values back out of a sentence
    written from ``text`` (a template with %(name)s placeholders)."""
    parts, seen, pos = [], set(), 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[pos : match.start()].replace("%%", "%")))
        name = match.group(1)
        value = r"\d+" if name in NUMBERS else ".+?" if name in PARAGRAPHS else r"[^\n]+?"
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
        seen.add(name)
        pos = match.end()
    parts.append(re.escape(text[pos:].replace("%%", "%")))
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=8)
def _patterns(language: str) -> list[tuple[str, re.Pattern]]:
    """Every template as written in ``language``, longest first so that a
    fuller sentence wins over one it contains."""
    with translation.override(language):
        found = [(msgid, sentence_pattern(gettext(msgid))) for msgid in TEMPLATES]
    return sorted(found, key=lambda item: -len(item[1].pattern))


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, str]:
    """A word as written in ``language`` (as labelled or lower-cased) → its msgid."""
    with translation.override(language):
        words = {}
        for msgid in WORDS:
            shown = gettext(msgid)
            words[shown] = msgid
            words[shown.lower()] = msgid
    return words


def _written_in() -> list[str]:
    # The language a sentence is read back from: English first (what the
    # services write by default), then every other the platform speaks.
    codes = [code for code, _name in settings.LANGUAGES]
    return sorted(codes, key=lambda code: code != "en")


def _word(value: str, *, capitalised: bool) -> str | None:
    for language in _written_in():
        msgid = _words(language).get(value)
        if msgid is not None:
            shown = gettext(msgid)
            # English sentences lower-case a label unless it opens a clause.
            return shown if capitalised else shown.lower()
    return None


def _opens_clause(msgid: str, name: str) -> bool:
    slot = f"%({name})s"
    return msgid.startswith((slot, f"Outcome: {slot}"))


def localise(text: str, *, depth: int = 0) -> str:
    """``text`` as stored, rendered in the active language where it is a
    sentence this module knows; unchanged otherwise."""
    if not text or depth > 6:
        return text
    for language in _written_in():
        for msgid, pattern in _patterns(language):
            match = pattern.fullmatch(text)
            if match is None:
                continue
            values = {
                name: _word(value, capitalised=_opens_clause(msgid, name))
                or localise(value, depth=depth + 1)
                for name, value in match.groupdict().items()
            }
            return gettext(msgid) % values
    if "\n" in text:
        # Paragraphs and lines separately: a statement of reasons is a list of
        # facts, some of them known sentences, some free text.
        return "\n".join(localise(line, depth=depth + 1) for line in text.split("\n"))
    sentences = SENTENCE_END.split(text)
    if len(sentences) > 1:
        # A remedy is sentences joined by spaces, each from its own template.
        shown = [localise(sentence, depth=depth + 1) for sentence in sentences]
        if shown != sentences:
            spaced = (translation.get_language() or "en").startswith("en")
            return (" " if spaced else "").join(shown)
    return text


@lru_cache(maxsize=4096)
def _localised(text: str, language: str) -> str:
    with translation.override(language):
        return localise(text)


def render(text: str) -> str:
    """``localise`` for display, remembered per text and language: a page of
    notifications repeats the same sentences."""
    return _localised(text, translation.get_language() or settings.LANGUAGE_CODE)


def title_for(notification) -> str:
    return render(notification.title)


def body_for(notification) -> str:
    return render(notification.body)
