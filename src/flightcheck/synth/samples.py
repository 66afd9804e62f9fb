"""The bundled sample tracks (``sample_tracks/``): the scenario, the files and truth.json.

``write_samples(out_dir)`` is deterministic: the same code gives byte-identical files (no
wall-clock time, fixed seeds, deterministic gzip). ``sample_tracks/generate.py`` calls it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flightcheck.synth import writers as w
from flightcheck.synth.aircraft import Aircraft
from flightcheck.synth.receivers import IRAN_CENTRAL_ASIA, Receiver
from flightcheck.synth.trajectory import Leg, Trajectory, epoch, fly, iso
from flightcheck.synth.truth import truth

SEED = 20251014
NO_HEX = frozenset({"fr24-csv", "fr24-kml", "flightaware-kml", "tar1090-kml"})
"""Formats that carry no ICAO address: readers give them a pseudo address (``~`` prefix)."""
BELGRADE_SITE = (44.8700, 20.3800)
"""A hobbyist receiver between LYBE and LYBT (30 m mast)."""

ADSBX = Receiver("adsbexchange", floors_ft={"LYBT": 800.0})
FR24 = Receiver("fr24", dt_low_s=(2.0, 12.0), cruise_dt_s=50.0, noise_m=3.0, outlier_rate=0.0)
FLIGHTAWARE = Receiver(
    "flightaware", dt_low_s=(15.0, 45.0), cruise_dt_s=60.0, outlier_rate=0.0, noise_m=10.0
)
OPENSKY = Receiver("opensky", dt_low_s=(1.0, 8.0), cruise_dt_s=8.0, outlier_rate=0.0)
LOCAL = Receiver(
    "belgrade-site",
    dt_low_s=(1.0, 6.0),
    cruise_dt_s=6.0,
    site=BELGRADE_SITE,
    max_range_km=350.0,
    outlier_rate=0.003,
    holes=(),
)


@dataclass(frozen=True)
class Flight:
    aircraft: Aircraft
    origin: str
    legs: tuple[Leg, ...]
    start: str
    end: str


IL76 = Flight(
    Aircraft("010075", "IL76", "SU-BTX", "EGY1076", squawk="4512", military=True),
    "HECW",
    (
        Leg("ZWWW", "2025-10-14T22:10:00Z"),
        Leg("LYBT", "2025-10-16T01:30:00Z", hold_laps=1, transponder_off_on_ground=True),
        Leg("HECW", "2025-10-16T13:05:00Z"),
    ),
    "2025-10-14T21:00:00Z",
    "2025-10-16T17:30:00Z",
)
A320 = Flight(
    Aircraft("4c00a5", "A320", "YU-APN", "ASL902", squawk="3141"),
    "HECA",
    (Leg("LYBE", "2025-10-16T10:05:00Z"),),
    "2025-10-16T09:30:00Z",
    "2025-10-16T13:30:00Z",
)
OVERFLIGHT = Flight(
    Aircraft("4bb1c4", "B738", "TC-JHU", "THY1985", squawk="5320"),
    "LTFM",
    (Leg("LSZH", "2025-10-16T10:40:00Z", via=("LYBE",)),),
    "2025-10-16T10:00:00Z",
    "2025-10-16T14:00:00Z",
)
AN26 = Flight(
    Aircraft("4c2b26", "AN26", "71362", "SRB362", squawk="7001"),
    "LYBT",
    (Leg("LYBT", "2025-10-16T09:20:00Z", approaches=("touch_and_go", "touch_and_go", "land")),),
    "2025-10-16T09:00:00Z",
    "2025-10-16T10:40:00Z",
)
HOLD = Flight(
    Aircraft("471f5a", "A321", "HA-LXK", "WZZ4071", squawk="2265"),
    "LOWW",
    (Leg("LYBE", "2025-10-16T12:25:00Z", hold_laps=2),),
    "2025-10-16T12:00:00Z",
    "2025-10-16T14:30:00Z",
)
GO_AROUND = Flight(
    Aircraft("0101a3", "B738", "SU-GEK", "MSR771", squawk="1234"),
    "LYBE",
    (Leg("HECA", "2025-10-16T14:10:00Z", approaches=("go_around", "land")),),
    "2025-10-16T13:50:00Z",
    "2025-10-16T17:30:00Z",
)
C130 = Flight(
    Aircraft("010082", "C130", "SU-BKV", "EGY1282", squawk="4513", military=True),
    "HECW",
    (
        Leg("HELX", "2025-10-17T06:00:00Z", transponder_off_on_ground=True),
        Leg("HECW", "2025-10-17T11:30:00Z"),
    ),
    "2025-10-17T05:40:00Z",
    "2025-10-17T14:00:00Z",
)
GLF5 = Flight(
    Aircraft("4c01e5", "GLF5", "YU-SRB", "SRB1", squawk="6001"),
    "LYBE",
    (Leg("LOWW", "2025-10-17T07:00:00Z"), Leg("LYBE", "2025-10-17T15:00:00Z")),
    "2025-10-17T06:40:00Z",
    "2025-10-17T17:00:00Z",
)
FLIGHTS = (IL76, A320, OVERFLIGHT, AN26, HOLD, GO_AROUND, C130, GLF5)


def _traj(f: Flight) -> Trajectory:
    return fly(f.aircraft, f.origin, list(f.legs), f.start, f.end)


def _observe(
    receiver: Receiver,
    traj: Trajectory,
    seed: int,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    rng = np.random.default_rng([SEED, seed])
    return receiver.observe(
        traj, rng, None if start is None else epoch(start), None if end is None else epoch(end)
    )


def write_samples(out: str | Path) -> dict:
    """Generate every sample file under ``out`` and ``out/truth.json``; returns the truth."""
    out = Path(out)
    trajs = {f.aircraft.icao24: _traj(f) for f in FLIGHTS}
    files: dict[str, dict] = {}
    seen: dict[str, list[pd.DataFrame]] = {k: [] for k in trajs}

    def record(
        rel: str | Path,
        fmt: str,
        pts: pd.DataFrame,
        *,
        offset: float = 0.0,
        tz: str = "UTC",
        note: str = "",
    ) -> None:
        rel = Path(rel).relative_to(out).as_posix() if Path(rel).is_absolute() else str(rel)
        entry: dict[str, Any] = {
            "format": fmt,
            "clock_offset_s": offset,
            "time_zone": tz,
            "hex_in_file": fmt not in NO_HEX,
            "aircraft": {},
        }
        if note:
            entry["note"] = note
        for hexid, g in pts.groupby("icao24", sort=True):
            entry["aircraft"][hexid] = truth(trajs[hexid], g)
            seen[hexid].append(g)
        files[rel] = entry

    def save(rel: str, data: bytes) -> str:
        w.save(out / rel, data)
        return rel

    il76 = trajs["010075"]
    pts = _observe(ADSBX, il76, 1)
    for path in w.globe_history(pts, out, military=True):
        midnight = epoch("{}-{}-{}T00:00:00Z".format(*path.parts[-6:-3]))
        day = pts[(pts["time"] >= midnight) & (pts["time"] < midnight + 86400)]
        record(
            path, "readsb-trace", day, note="gzip although named .json; timestamp = UTC midnight"
        )
    fr24 = replace(FR24, clock_offset_s=2.0)
    pts = _observe(fr24, il76, 2, "2025-10-16T13:00:00Z")
    record(
        save("fr24/EGY1076_3c1f0a2b.csv", w.fr24_csv(pts)),
        "fr24-csv",
        pts,
        offset=2.0,
        note="receiver clock 2 s ahead: file time = true time + 2 s",
    )
    hold = trajs["471f5a"]
    both = pd.concat(
        [
            _observe(OPENSKY, il76, 3, "2025-10-16T13:00:00Z", "2025-10-16T13:45:00Z"),
            _observe(OPENSKY, hold, 4, "2025-10-16T12:50:00Z"),
        ],
        ignore_index=True,
    )
    record(
        save("opensky/states_2025-10-16-13.csv", w.opensky_csv(both)),
        "opensky-csv",
        both,
        note="state vectors every 10 s; stale repeats share lastposupdate",
    )
    record(
        save("opensky/states_2025-10-16-13.parquet", w.opensky_parquet(both)),
        "opensky-parquet",
        both,
    )

    over = _observe(FR24, trajs["4bb1c4"], 5)
    record(
        save(
            "fr24/TK1985-3c9a27d1.kml",
            w.fr24_kml(over, "TK1985", "LTFM", "LSZH", "TC-JHU", "Boeing 737-8F2"),
        ),
        "fr24-kml",
        over,
    )
    a320 = trajs["4c00a5"]
    fa = _observe(FLIGHTAWARE, a320, 6)
    record(
        save(
            "flightaware/FlightAware_ASL902_HECA_LYBE_20251016.kml",
            w.flightaware_kml(fa, "ASL902", "HECA", "LYBE", "16-Oct-2025"),
        ),
        "flightaware-kml",
        fa,
    )
    local = _observe(LOCAL, a320, 7)
    record(
        save("tar1090/YU-APN-track-press_alt_uncorrected.kml", w.tar1090_kml(local, "YU-APN")),
        "tar1090-kml",
        local,
        note="altitudes: barometric ft x 0.3048 (datum in the file name)",
    )
    an26 = _observe(LOCAL, trajs["4c2b26"], 8)
    record(
        save("sbs/belgrade_30003_20251016.log", w.sbs_log(an26)),
        "sbs",
        an26,
        note="times in UTC (readsb)",
    )
    ga = _observe(FR24, trajs["0101a3"], 9)
    record(
        save("fr24/MSR771_Flightradar24_ADS-B_data_granular.csv", w.fr24_granular(ga)),
        "fr24-granular",
        ga,
    )
    c130 = _observe(ADSBX, trajs["010082"], 10)
    record(
        save("readsb/trace_full_010082.json", w.trace_json(c130, military=True)),
        "readsb-trace",
        c130,
        note="plain JSON re-save of a live trace_full; timestamp = first point",
    )
    glf = _observe(ADSBX, trajs["4c01e5"], 11)
    record(save("csv/YU-SRB_2025-10-17.csv", w.plain_csv(glf)), "csv", glf)

    aircraft = {}
    for f in FLIGHTS:
        hexid = f.aircraft.icao24
        traj = trajs[hexid]
        allpts = pd.concat(seen[hexid], ignore_index=True)
        t = truth(traj, allpts)
        aircraft[hexid] = {
            "registration": f.aircraft.registration,
            "typecode": f.aircraft.typecode,
            "callsign": f.aircraft.callsign,
            "military": f.aircraft.military,
            "stops": t["stops"],
            "events": t["events"],
            "overflights": t["overflights"],
            "legs": [
                {
                    "to": leg.to,
                    "off_block": iso(epoch(leg.off_block)),
                    "approaches": list(leg.approaches),
                    "via": list(leg.via),
                    "hold_laps": leg.hold_laps,
                    "transponder_off_on_ground": leg.transponder_off_on_ground,
                }
                for leg in f.legs
            ],
        }
    result = {
        "about": "Synthetic tracks made by flightcheck.synth (sample_tracks/generate.py); "
        "registrations, callsigns and flights are invented. Times are true UTC "
        "(a file with clock_offset_s != 0 shows times shifted by that offset). "
        "stop.arrival = touchdown, stop.departure = wheels-off; observed = the file "
        "has on-ground fixes of that stop. See README.md.",
        "seed": SEED,
        "aircraft": aircraft,
        "files": dict(sorted(files.items())),
    }
    (out / "truth.json").write_text(json.dumps(result, indent=1, sort_keys=False) + "\n")
    return result


__all__ = ["write_samples", "FLIGHTS", "IRAN_CENTRAL_ASIA"]
