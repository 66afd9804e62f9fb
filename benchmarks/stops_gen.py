"""A small independent generator of fleets with truth for the stop-engine benchmarks.

Used until/alongside ``flightcheck.synth``. Each aircraft flies between random real airports
(with runway geometry) in Europe and the Middle East: cruise, descent along a runway's
extended centreline, landing roll, parking, take-off on a runway end, climb-out. Stops are
observed (ground fixes), transponder-off near the field (silence from a random height on
approach to a random height on climb-out: truth ``observed=False``, ``hidden="near"``) or
hidden by a coverage hole from cruise to cruise (``hidden="far"``). Some flights add a
touch-and-go, a go-around, a hold, or overfly airports at cruise. Fixes get position noise,
25-ft altitude steps, rare single-point jumps and duplicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flightcheck.geo import bearing_deg, haversine_km
from flightcheck.segment.airportindex import default_index

KM_DEG = 111.195


def _offset(lat, lon, hdg, km):
    b = np.radians(hdg)
    return lat + km * np.cos(b) / KM_DEG, lon + km * np.sin(b) / (KM_DEG * np.cos(np.radians(lat)))


class _Track:
    def __init__(self, t0):
        self.rows: list[tuple] = []
        self.t = t0

    def seg(self, a, b, alt_a, alt_b, gs_a, gs_b, ground=False, step=8.0):
        d = float(haversine_km(a[0], a[1], b[0], b[1]))
        v = max((gs_a + gs_b) / 2, 5) * 1.852 / 3600
        dur = max(d / v, step)
        n = max(int(dur / step), 1)
        trk = float(bearing_deg(a[0], a[1], b[0], b[1]))
        f = np.arange(n) / n
        lat, lon = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
        alt = alt_a + f * (alt_b - alt_a)
        vr = (alt_b - alt_a) / dur * 60
        for k in range(n):
            self.rows.append(
                (
                    self.t + f[k] * dur,
                    lat[k],
                    lon[k],
                    np.nan if ground else alt[k],
                    ground,
                    gs_a + f[k] * (gs_b - gs_a),
                    trk,
                    0.0 if ground else vr,
                )
            )
        self.t += dur

    def park(self, pos, seconds, step=60.0):
        for k in range(int(seconds // step)):
            self.rows.append((self.t + k * step, pos[0], pos[1], np.nan, True, 0.0, np.nan, 0.0))
        self.t += seconds


def _ends(ix, i):
    out = []
    for r in ix.runways_of(i):
        if ix.rw_len_ft[r] >= 6000:
            out.append((ix.rw_lat1[r], ix.rw_lon1[r], ix.rw_hdg[r], ix.rw_le[r]))
            out.append((ix.rw_lat2[r], ix.rw_lon2[r], (ix.rw_hdg[r] + 180) % 360, ix.rw_he[r]))
    return out


def fleet(n_aircraft=40, stops_per_aircraft=4, seed=1, step=8.0):
    """(track table DataFrame, truth dict with 'stops' and 'events')."""
    rng = np.random.default_rng(seed)
    ix = default_index()
    box = (ix.lat > 25) & (ix.lat < 60) & (ix.lon > -10) & (ix.lon < 50) & (ix.type_rank >= 2)
    pool = [i for i in np.flatnonzero(box) if _ends(ix, int(i))]
    frames, stops, events = [], [], []
    for n in range(n_aircraft):
        icao = f"{0x100000 + n * 7919:06x}"
        tr = _Track(1.7e9 + rng.uniform(0, 86400))
        ap = int(rng.choice(pool))
        lat, lon, hdg, _ = _ends(ix, ap)[0]
        elev = np.nan_to_num(ix.elev_ft[ap])
        t_first = tr.t
        tr.park((lat, lon), rng.uniform(600, 1800))
        stops.append(
            {
                "icao24": icao,
                "airport": str(ix.code[ap]),
                "arrival": pd.Timestamp(t_first, unit="s", tz="UTC"),
                "departure": pd.Timestamp(tr.t, unit="s", tz="UTC"),
                "observed": True,
                "hidden": None,
                "_rows": None,
            }
        )
        for _ in range(stops_per_aircraft):
            # take off from the current field
            end = _ends(ix, ap)[rng.integers(len(_ends(ix, ap)))]
            lat, lon, hdg, _ = end
            lift = _offset(lat, lon, hdg, 2.0)
            tr.seg((lat, lon), lift, elev, elev, 10, 150, ground=True, step=step / 2)
            out30 = _offset(lat, lon, hdg, 30)
            t_dep = tr.t - (float(haversine_km(lat, lon, *lift)) / (80 * 1.852 / 3600)) * 0
            dep_row = len(tr.rows)
            tr.seg(lift, out30, elev + 50, elev + 9000, 150, 280, step=step)
            # next field 300-1500 km away
            d = haversine_km(ix.lat[ap], ix.lon[ap], ix.lat[pool], ix.lon[pool])
            choices = [pool[j] for j in np.flatnonzero((d > 300) & (d < 1500))]
            nxt = int(rng.choice(choices))
            nend = _ends(ix, nxt)[rng.integers(len(_ends(ix, nxt)))]
            nlat, nlon, nhdg, _ = nend
            nelev = np.nan_to_num(ix.elev_ft[nxt])
            in45 = _offset(nlat, nlon, nhdg + 180, 45)
            cruise = float(rng.choice([31000, 35000, 37000]))
            tr.seg(out30, in45, elev + 9000, cruise, 280, 450, step=step * 3)
            if rng.random() < 0.3:  # hold before the approach
                p = in45
                t_hold = tr.t
                for h in (nhdg + 180, nhdg + 270, nhdg, nhdg + 90) * 3:
                    q = _offset(*p, h, 9.0 if h in (nhdg, nhdg + 180) else 3.5)
                    tr.seg(p, q, 9000 + nelev, 9000 + nelev, 220, 220, step=step)
                    p = q
                events.append(
                    {
                        "icao24": icao,
                        "kind": "holding",
                        "airport": str(ix.code[nxt]),
                        "time": pd.Timestamp(t_hold, unit="s", tz="UTC"),
                        "end": pd.Timestamp(tr.t, unit="s", tz="UTC"),
                    }
                )
                tr.seg(p, in45, 9000 + nelev, 9000 + nelev, 220, 220, step=step)
            if rng.random() < 0.2:  # go-around then a second approach
                tr.seg(in45, (nlat, nlon), nelev + 8000, nelev + 150, 250, 140, step=step)
                events.append(
                    {
                        "icao24": icao,
                        "kind": "go_around",
                        "airport": str(ix.code[nxt]),
                        "time": pd.Timestamp(tr.t, unit="s", tz="UTC"),
                    }
                )
                tr.seg(
                    (nlat, nlon),
                    _offset(nlat, nlon, nhdg, 12),
                    nelev + 150,
                    nelev + 3000,
                    140,
                    200,
                    step=step,
                )
                tr.seg(
                    _offset(nlat, nlon, nhdg, 12),
                    in45,
                    nelev + 3000,
                    nelev + 6000,
                    200,
                    230,
                    step=step,
                )
            if rng.random() < 0.15:  # touch-and-go then a circuit
                tr.seg(in45, (nlat, nlon), nelev + 8000, nelev + 30, 250, 140, step=step)
                events.append(
                    {
                        "icao24": icao,
                        "kind": "touch_and_go",
                        "airport": str(ix.code[nxt]),
                        "time": pd.Timestamp(tr.t, unit="s", tz="UTC"),
                    }
                )
                tr.seg(
                    (nlat, nlon),
                    _offset(nlat, nlon, nhdg, 1.5),
                    nelev,
                    nelev,
                    130,
                    125,
                    ground=True,
                    step=2.0,
                )
                tr.seg(
                    _offset(nlat, nlon, nhdg, 1.5),
                    _offset(nlat, nlon, nhdg, 15),
                    nelev + 50,
                    nelev + 3000,
                    140,
                    200,
                    step=step,
                )
                tr.seg(
                    _offset(nlat, nlon, nhdg, 15),
                    in45,
                    nelev + 3000,
                    nelev + 6000,
                    200,
                    230,
                    step=step,
                )
            tr.seg(in45, (nlat, nlon), nelev + 8000, nelev + 50, 250, 140, step=step)
            arr_row = len(tr.rows)
            arrival = tr.t
            stop_at = _offset(nlat, nlon, nhdg, 2.0)
            tr.seg((nlat, nlon), stop_at, nelev, nelev, 135, 15, ground=True, step=step / 2)
            dwell = rng.uniform(1200, 6 * 3600)
            tr.park(stop_at, dwell, step=rng.choice([30.0, 120.0]))
            kind = rng.choice(["observed", "near", "far"], p=[0.5, 0.3, 0.2])
            stops.append(
                {
                    "icao24": icao,
                    "airport": str(ix.code[nxt]),
                    "arrival": pd.Timestamp(arrival, unit="s", tz="UTC"),
                    "departure": pd.Timestamp(tr.t, unit="s", tz="UTC"),
                    "observed": kind == "observed",
                    "hidden": None if kind == "observed" else str(kind),
                    "_rows": None,
                }
            )
            if kind != "observed":
                stops[-1]["_rows"] = (arr_row, len(tr.rows), str(kind))
            ap, elev = nxt, nelev
            del t_dep, dep_row
        # final take-off from the field where the aircraft is (not the previous one)
        lat, lon, hdg, _ = _ends(ix, ap)[rng.integers(len(_ends(ix, ap)))]
        tr.seg(
            _offset(lat, lon, hdg, 0), _offset(lat, lon, hdg, 2.0), elev, elev, 10, 150, ground=True
        )
        tr.seg(
            _offset(lat, lon, hdg, 2.0),
            _offset(lat, lon, hdg, 60),
            elev + 50,
            elev + 15000,
            150,
            300,
            step=step,
        )
        f = pd.DataFrame(
            tr.rows,
            columns=["t", "lat", "lon", "alt_ft", "on_ground", "gs_kt", "track_deg", "vrate_fpm"],
        )
        drop = np.zeros(len(f), dtype=bool)
        t = f["t"].to_numpy()
        for s in stops:
            if s["icao24"] != icao or s["_rows"] is None:
                continue
            a0, a1, how = s["_rows"]
            if how == "near":  # transponder off on short final / climb-out below h
                h1, h2 = rng.uniform(800, 6000), rng.uniform(800, 6000)
                lo = (
                    a0
                    - np.argmax(
                        f["alt_ft"].to_numpy()[:a0][::-1]
                        > ix.elev_ft[ix.index_of(s["airport"])] + h1
                    )
                    if a0
                    else 0
                )
                alt_after = f["alt_ft"].to_numpy()[a1:]
                hi = a1 + int(
                    np.argmax(
                        np.nan_to_num(alt_after)
                        > np.nan_to_num(ix.elev_ft[ix.index_of(s["airport"])]) + h2
                    )
                )
            else:  # coverage hole from cruise to cruise
                lo = int(np.searchsorted(t, t[a0] - rng.uniform(1200, 3600)))
                hi = int(np.searchsorted(t, t[a1 - 1] + rng.uniform(1200, 3600)))
            drop[lo:hi] = True
            s.pop("_rows")
        for s in stops:
            s.pop("_rows", None)
        f = f[~drop].reset_index(drop=True)
        f["lat"] += rng.normal(0, 0.0002, len(f))
        f["lon"] += rng.normal(0, 0.0002, len(f))
        f["alt_ft"] = (f["alt_ft"] / 25).round() * 25
        jumps = rng.random(len(f)) < 0.0005
        f.loc[jumps, "lat"] += rng.choice([-0.5, 0.5], int(jumps.sum()))
        f["icao24"] = icao
        frames.append(f)
    df = pd.concat(frames, ignore_index=True)
    dups = df.sample(frac=0.002, random_state=seed)
    df = pd.concat([df, dups]).sort_values(["icao24", "t"], kind="stable").reset_index(drop=True)
    df["time"] = pd.to_datetime(df.pop("t"), unit="s", utc=True)
    df["row"] = np.arange(1, len(df) + 1)
    df["source"] = "synthetic_fleet.csv"
    return df, {"stops": stops, "events": events}
