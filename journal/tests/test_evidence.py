import io
import json
import subprocess
import sys
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

import journal
from doorstep_verify.bundle import verify_bundle
from journal import signing
from journal.models import Entry
from journal.services import encounter_acknowledge, encounter_record, evidence_export


@pytest.fixture
def case(village_official, tree):
    encounter = encounter_record(
        actor=village_official,
        village=tree.village_a1,
        occurred_at=timezone.now(),
        place="村委会",
        counterpart="赵大妈",
        asked="要求换低保",
        promised="下周入户核实",
    )
    journal.record(actor=None, action="journal.entry.exported", data={"unrelated": True})
    encounter_acknowledge(actor=village_official, encounter=encounter, resident_name="赵桂兰")
    return encounter


def _rewrite(payload: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))
    return out.getvalue()


def _write(tmp_path, payload, name="bundle.zip"):
    path = tmp_path / name
    path.write_bytes(payload)
    return path


def test_bundle_from_the_app_verifies_standalone(case, township_leader, tmp_path):
    payload = evidence_export(actor=township_leader, target=case)
    path = _write(tmp_path, payload)
    key = signing.log_signer().verifier.vkey
    report = verify_bundle(path, trusted_log_keys=[key])
    assert report.ok, report.lines
    entries = [json.loads(line) for line in zipfile.ZipFile(path).read("entries.jsonl").decode().splitlines()]
    assert [e["action"] for e in entries] == ["journal.encounter.recorded", "journal.encounter.acknowledged"]
    assert Entry.objects.filter(action="journal.evidence.exported").exists()
    # The same check from the command line, as on another machine.
    run = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "doorstep_verify", str(path), "--key", key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "VERIFIED" in run.stdout


def test_tampered_bundle_is_reported(case, township_leader, tmp_path):
    payload = evidence_export(actor=township_leader, target=case)
    edited = _rewrite(
        payload,
        lambda name, data: (
            data.replace("下周入户核实".encode(), "不予办理".encode()) if name == "entries.jsonl" else data
        ),
    )
    path = _write(tmp_path, edited, "tampered.zip")
    run = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "doorstep_verify", str(path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 1 and "EDITED entry" in run.stdout and "TAMPERED" in run.stdout


def test_bundle_with_a_forged_checkpoint_is_reported(case, township_leader, tmp_path):
    from doorstep_verify.note import NoteSigner

    payload = evidence_export(actor=township_leader, target=case)
    real_key = signing.log_signer().verifier.vkey
    impostor = NoteSigner.generate("doorstep.test/journal")

    def resign(name, data):
        if name.startswith("checkpoints/"):
            body = data.decode().split("\n\n")[0] + "\n"
            return (body + "\n" + impostor.signature_line(body)).encode()
        if name == "keys.txt":
            return f"log {impostor.verifier.vkey}\n".encode()
        return data

    path = _write(tmp_path, _rewrite(payload, resign), "forged.zip")
    report = verify_bundle(path, trusted_log_keys=[real_key])
    assert not report.ok and any("FORGED CHECKPOINT" in p for p in report.problems)


def test_evidence_export_needs_the_capability(case, village_official):
    with pytest.raises(PermissionDenied):
        evidence_export(actor=village_official, target=case)


def test_evidence_download_page(client, case, township_leader):
    client.force_login(township_leader)
    response = client.post(reverse("journal:evidence", args=["journal.encounter", case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_redacted_entry_still_verifies_in_a_bundle(case, township_leader, administrator, tmp_path, capsys):
    from django.core.management import call_command

    call_command(
        "journal_redact",
        str(case.recorded_seq),
        reason="保存期限届满",
        **{"username": administrator.username},
    )
    assert "hash kept" in capsys.readouterr().out
    path = _write(tmp_path, evidence_export(actor=township_leader, target=case))
    report = verify_bundle(path, trusted_log_keys=[signing.log_signer().verifier.vkey])
    assert report.ok, report.lines
    assert any("content redacted, hash kept" in line for line in report.lines)
    assert "要求换低保" not in zipfile.ZipFile(path).read("entries.jsonl").decode()
