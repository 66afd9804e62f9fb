"""Cases: the investigator's inputs (with hashes), claims and annotations, and their
verification into verdicts and an evidence pack (:func:`write_pack`, what ``flightcheck
verify`` runs)."""

from flightcheck.case.edit import add, annotate, check_inputs, claim, init
from flightcheck.case.model import Annotation, Case, CaseInput, Claim, load
from flightcheck.case.pack import run as write_pack
from flightcheck.case.verify import Verdict, verdict_table, verify

__all__ = [
    "Annotation",
    "Case",
    "CaseInput",
    "Claim",
    "Verdict",
    "add",
    "annotate",
    "check_inputs",
    "claim",
    "init",
    "load",
    "verdict_table",
    "verify",
    "write_pack",
]
