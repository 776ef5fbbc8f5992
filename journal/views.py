import base64

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import selectors, services, signing
from journal.actions import display
from journal.forms import AcknowledgeForm, EncounterForm
from journal.services import ChainBroken
from territory.models import AdminUnit
from territory.selectors import unit_list

PAGE_SIZE = 30


@login_required
@permission_required("journal.view_encounter", raise_exception=True)
def index(request):
    encounters = selectors.encounter_list(user=request.user)
    if request.GET.get("all") != "1":
        encounters = encounters.filter(recorded_by=request.user)
    page = Paginator(encounters, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "journal/index.html", {"page": page, "show_all": request.GET.get("all") == "1"})


def _villages(user):
    return unit_list(user=user, level=AdminUnit.Level.VILLAGE).select_related(None)


@login_required
@permission_required("journal.add_encounter", raise_exception=True)
def encounter_new(request):
    household = None
    household_pk = request.POST.get("household") or request.GET.get("household")
    if household_pk:
        from registry.selectors import household_get

        household = household_get(user=request.user, pk=household_pk)
    villages = _villages(request.user)
    if household is not None:
        villages = villages.filter(pk=household.village_id)
    form = EncounterForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            encounter = services.encounter_record(
                actor=request.user, household=household, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已记入公正记录。可以请对方当场确认。"))
            return redirect("journal:encounter_detail", pk=encounter.pk)
    return render(request, "journal/encounter_form.html", {"form": form, "household": household})


@login_required
@permission_required("journal.view_encounter", raise_exception=True)
def encounter_detail(request, pk: int):
    encounter = selectors.encounter_get(user=request.user, pk=pk)
    matches = selectors.encounter_matches_journal(encounter=encounter)
    return render(
        request, "journal/encounter_detail.html", {"encounter": encounter, "matches_journal": matches}
    )


@login_required
@permission_required("journal.add_encounter", raise_exception=True)
def encounter_acknowledge(request, pk: int):
    """The resident reads the record on the cadre's phone and types their name."""
    encounter = selectors.encounter_get(user=request.user, pk=pk)
    if encounter.acknowledged_at is not None:
        return redirect("journal:receipt", seq=encounter.acknowledged_seq)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.encounter_acknowledge(
                actor=request.user, encounter=encounter, resident_name=form.cleaned_data["resident_name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("journal:receipt", seq=encounter.acknowledged_seq)
    return render(request, "journal/acknowledge.html", {"encounter": encounter, "form": form})


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


@login_required
def receipt(request, seq: int):
    """A printable receipt: the entry's hash, the signed checkpoint that includes it, and a QR code of both."""
    entry = selectors.receipt_entry_get(user=request.user, seq=seq)
    checkpoint, proof, error = None, [], None
    try:
        checkpoint = services.checkpoint_covering(seq=entry.seq)
        proof = selectors.inclusion_proof(entry=entry, checkpoint=checkpoint)
    except (ImproperlyConfigured, ChainBroken) as exc:
        error = str(exc)
    root_b64 = base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode() if checkpoint else ""
    qr_text = "\n".join(
        [
            signing.origin(),
            f"entry {entry.seq} {entry.entry_hash}",
            *([f"checkpoint {checkpoint.tree_size} {root_b64}"] if checkpoint else []),
        ]
    )
    context = {
        "entry": entry,
        "action_text": display(entry.action),
        "checkpoint": checkpoint,
        "proof": proof,
        "error": error,
        "qr_svg": mark_safe(_qr_svg(qr_text)),  # noqa: S308 (generated by qrcode from hex/base64 text, no user input)
        "qr_text": qr_text,
        "origin": signing.origin(),
    }
    return render(request, "journal/receipt.html", context)


@login_required
def person_access(request, pk: int):
    """Who has seen a person's full ID number or phone, when and why."""
    person, views = selectors.person_access_log(user=request.user, pk=pk)
    page = Paginator(views, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "journal/person_access.html", {"person": person, "page": page})


@login_required
@require_POST
def evidence(request, target_type: str, target_id: int):
    """Download the evidence bundle (zip) of one case: its entries, their proofs, the checkpoints, the keys."""
    target = selectors.target_get(user=request.user, target_type=target_type, target_id=target_id)
    if not request.user.has_perm("journal.export_evidence"):
        raise PermissionDenied
    payload = services.evidence_export(actor=request.user, target=target)
    response = HttpResponse(payload, content_type="application/zip")
    name = f"evidence-{target_type.replace('.', '-')}-{target_id}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
