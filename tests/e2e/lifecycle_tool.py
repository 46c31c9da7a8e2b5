#!/usr/bin/python3
"""Traffic and sd_notify helpers for tests/e2e/lifecycle.sh (standard library
only).  Every network call has a timeout and every mode a bounded lifetime.

  lifecycle_tool.py notify --socket PATH --log FILE [--probe-tcp ADDR:PORT]
                           [--lifetime S] [--ready FILE]
      An sd_notify(3) receiver: binds an AF_UNIX datagram socket at PATH (give
      it to the agent as $NOTIFY_SOCKET) and appends one line per message to
      FILE: "SECONDS MESSAGE" (seconds since it started).  When the first
      READY=1 arrives it immediately tries a TCP connection to --probe-tcp
      (a port the policy blocks) with a 1 s timeout and logs
      "probe-at-ready blocked|connected|error ...".  Exits after STOPPING=1
      or --lifetime seconds.

  lifecycle_tool.py probe --stop FILE [--ready FILE] [--max S]
                          [--interval S] [--udp ADDR:PORT]
                          [--blocked-udp ADDR:PORT --blocked-sport N]
                          [--stream ADDR:PORT] [--p-tcp ADDR:PORT]
                          [--r-tcp ADDR:PORT]
      Steady traffic until FILE exists (at most --max seconds), then a final
      second for the replies in flight.  Every --interval (default 5 ms):
      one numbered UDP datagram to --udp (an echo: every one must come back),
      one to --blocked-udp from source port --blocked-sport (a port the
      policy blocks; a listener on the node counts what arrives), and one
      numbered message on an established TCP connection to --stream (echoed;
      it must never break).  In threads: repeated short TCP connections to
      --p-tcp (a port a reload opens and closes: each attempt must either
      succeed or time out) and to --r-tcp (blocked: each must time out).
      Prints one JSON object with the counts.

  lifecycle_tool.py hold ADDR PORT --marker FILE --stop FILE [--max S]
                         [--ready FILE] [--bind ADDR]
      Open a TCP connection, touch --ready, then every 100 ms send a numbered
      line and read the echoes, until --stop exists (then 0.5 s more for the
      echoes in flight; at most --max seconds).  Each message is
      classified by whether --marker existed when it was sent; prints a JSON
      object: sent/echoed before and after the marker, and errors.
"""
import argparse
import errno
import json
import os
import select
import socket
import sys
import threading
import time


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h.strip("[]"), int(p)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def touch(path):
    if path:
        open(path, "w").close()

# ---------------------------------------------------------------- notify


def tcp_try(addr, port, timeout):
    """One TCP connection attempt: 'connected', 'blocked' (timeout) or 'error ...'."""
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        return "connected"
    except socket.timeout:
        return "blocked"
    except OSError as e:
        return "error " + (errno.errorcode.get(e.errno, str(e.errno)))
    finally:
        s.close()


def notify(a):
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.socket)
    os.chmod(a.socket, 0o666)
    log = open(a.log, "a", buffering=1)
    t0 = time.monotonic()
    touch(a.ready)
    probed = False
    end = t0 + a.lifetime
    while True:
        left = end - time.monotonic()
        if left <= 0:
            log.write("%.3f lifetime-over\n" % (time.monotonic() - t0))
            return 0
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        d = s.recv(65536).decode(errors="replace")
        now = time.monotonic() - t0
        for m in d.split("\n"):
            if m:
                log.write("%.3f %s\n" % (now, m))
        if "READY=1" in d.split("\n") and not probed and a.probe_tcp:
            probed = True
            h, p = hostport(a.probe_tcp)
            res = tcp_try(h, p, 1.0)
            log.write("%.3f probe-at-ready %s %s:%d\n" % (time.monotonic() - t0, res, h, p))
        if "STOPPING=1" in d.split("\n"):
            return 0

# ---------------------------------------------------------------- probe


class Attempts(threading.Thread):
    """Short TCP connections in a loop until stop: each sends a token and
    expects it echoed.  Results by class."""

    def __init__(self, target, stop, timeout=0.3, pause=0.01):
        super().__init__(daemon=True)
        self.addr, self.port = hostport(target)
        self.stop = stop
        self.timeout = timeout
        self.pause = pause
        self.res = {}
        self.errors = []

    def one(self, n):
        s = socket.socket(family_of(self.addr), socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        tok = ("P%d-%d\n" % (os.getpid(), n)).encode()
        stage = "connect"
        try:
            s.connect((self.addr, self.port))
            stage = "echo"
            s.sendall(tok)
            got = b""
            while len(got) < len(tok):
                d = s.recv(4096)
                if not d:
                    return "eof", None
                got += d
            if got != tok:
                return "mismatch", repr(got[:40])
            return "ok", None
        except socket.timeout:
            # nothing came back: the SYN (or the data) was dropped
            return "timeout-" + stage, None
        except ConnectionRefusedError:
            return "refused", None
        except ConnectionResetError:
            return "reset", None
        except OSError as e:
            return "oserror", errno.errorcode.get(e.errno, str(e))
        finally:
            s.close()

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            c, detail = self.one(n)
            self.res[c] = self.res.get(c, 0) + 1
            if detail and len(self.errors) < 5:
                self.errors.append("%s %s" % (c, detail))
            time.sleep(self.pause)


def probe(a):
    t0 = time.monotonic()
    stop = threading.Event()
    out = {"interval_ms": a.interval * 1000}
    udp = blk = st = None
    if a.udp:
        uaddr = hostport(a.udp)
        udp = socket.socket(family_of(uaddr[0]), socket.SOCK_DGRAM)
        udp.connect(uaddr)
        udp.setblocking(False)
    if a.blocked_udp:
        baddr = hostport(a.blocked_udp)
        blk = socket.socket(family_of(baddr[0]), socket.SOCK_DGRAM)
        blk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blk.bind(("0.0.0.0" if family_of(baddr[0]) == socket.AF_INET else "::", a.blocked_sport))
        blk.connect(baddr)
        blk.setblocking(False)
    if a.stream:
        saddr = hostport(a.stream)
        st = socket.socket(family_of(saddr[0]), socket.SOCK_STREAM)
        st.settimeout(3)
        st.connect(saddr)
        st.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        st.setblocking(False)
    threads = {}
    if a.p_tcp:
        threads["p_tcp"] = Attempts(a.p_tcp, stop)
    if a.r_tcp:
        threads["r_tcp"] = Attempts(a.r_tcp, stop)
    for t in threads.values():
        t.start()
    touch(a.ready)

    sent_times = {}   # allowed UDP seq -> send time
    answered = set()
    udp_errors = {}
    blk_sent = blk_replies = 0
    st_sent = b""
    st_got = bytearray()
    st_seq = 0
    st_error = None
    st_last_echo = time.monotonic()
    st_max_gap = 0.0
    seq = 0
    next_tick = time.monotonic()
    stopping_at = None
    deadline = t0 + a.max

    def drain():
        nonlocal blk_replies, st_error, st_last_echo, st_max_gap
        socks = [x for x in (udp, blk) if x] + ([st] if st and not st_error else [])
        while socks:
            r, _, _ = select.select(socks, [], [], 0)
            if not r:
                return
            for x in r:
                try:
                    if x is udp:
                        d = udp.recv(2048)
                        if d.startswith(b"A"):
                            answered.add(int(d[1:].split(b"-")[0]))
                    elif x is blk:
                        blk.recv(2048)
                        blk_replies += 1
                    else:
                        d = st.recv(65536)
                        if not d:
                            st_error = "connection closed by the peer"
                            socks.remove(st)
                            continue
                        now = time.monotonic()
                        st_max_gap = max(st_max_gap, now - st_last_echo)
                        st_last_echo = now
                        st_got.extend(d)
                except BlockingIOError:
                    pass
                except OSError as e:
                    name = errno.errorcode.get(e.errno, str(e))
                    if x is st:
                        st_error = "recv: " + name
                        socks.remove(st)
                    else:
                        udp_errors[name] = udp_errors.get(name, 0) + 1

    while True:
        now = time.monotonic()
        if stopping_at is None and (os.path.exists(a.stop) or now >= deadline):
            stopping_at = now
            stop.set()
        if stopping_at is not None:
            if now >= stopping_at + 1.0:
                break
            drain()
            time.sleep(0.005)
            continue
        if now >= next_tick:
            next_tick += a.interval
            if next_tick < now:  # fell behind (scheduling): do not burst
                next_tick = now + a.interval
            seq += 1
            if udp:
                try:
                    udp.send(b"A%d-%s" % (seq, b"x" * 20))
                    sent_times[seq] = now - t0
                except OSError as e:
                    name = errno.errorcode.get(e.errno, str(e))
                    udp_errors["send-" + name] = udp_errors.get("send-" + name, 0) + 1
                    sent_times[seq] = now - t0
            if blk:
                try:
                    blk.send(b"B%d" % seq)
                    blk_sent += 1
                except OSError:
                    blk_sent += 1
            if st and not st_error:
                st_seq += 1
                m = b"S%08d\n" % st_seq
                try:
                    n = st.send(m)
                    st_sent += m[:n]
                    if n < len(m):
                        st_error = "send buffer full (the connection stalled)"
                except OSError as e:
                    st_error = "send: " + errno.errorcode.get(e.errno, str(e))
        drain()
        time.sleep(max(0.0, min(0.001, next_tick - time.monotonic())))

    for t in threads.values():
        t.join(timeout=2)
    lost = sorted(set(sent_times) - answered)
    out.update({
        "seconds": round(time.monotonic() - t0, 2),
        "ticks": seq,
    })
    if udp:
        out["udp"] = {"sent": len(sent_times), "answered": len(answered & set(sent_times)),
                      "lost": len(lost), "lost_first": [[s, round(sent_times[s], 3)] for s in lost[:10]],
                      "errors": udp_errors}
    if blk:
        out["blocked_udp"] = {"sent": blk_sent, "replies": blk_replies, "sport": a.blocked_sport}
    if st:
        intact = bytes(st_got) == st_sent[:len(st_got)]
        out["stream"] = {"messages_sent": st_seq, "bytes_sent": len(st_sent),
                         "bytes_echoed": len(st_got), "intact": intact,
                         "complete": intact and len(st_got) == len(st_sent),
                         "max_gap_ms": round(st_max_gap * 1000, 1), "error": st_error}
    for k, t in threads.items():
        out[k] = {"results": t.res, "errors": t.errors}
    print(json.dumps(out, sort_keys=True))
    return 0

# ---------------------------------------------------------------- hold


def hold(a):
    s = socket.socket(family_of(a.addr), socket.SOCK_STREAM)
    s.settimeout(3)
    out = {"connected": False}
    try:
        if a.bind:
            s.bind((a.bind, 0))
        s.connect((a.addr, a.port))
    except OSError as e:
        out["error"] = "connect: %s" % e
        print(json.dumps(out))
        return 1
    out["connected"] = True
    out["local"] = "%s:%d" % s.getsockname()[:2]
    s.setblocking(False)
    touch(a.ready)
    sent = {}      # seq -> phase
    echoed = {"before": 0, "after": 0}
    count = {"before": 0, "after": 0}
    buf = b""
    err = None
    seq = 0
    end = time.monotonic() + a.max
    nxt = time.monotonic()
    stopping = None
    while time.monotonic() < end:
        now = time.monotonic()
        if stopping is None and os.path.exists(a.stop):
            stopping = now
        if stopping is not None and now >= stopping + 0.5:
            break
        if now >= nxt and not err and stopping is None:
            nxt = now + 0.1
            seq += 1
            ph = "after" if os.path.exists(a.marker) else "before"
            try:
                s.send(b"H%06d\n" % seq)
                sent[seq] = ph
                count[ph] += 1
            except BlockingIOError:
                pass
            except OSError as e:
                err = "send: %s" % errno.errorcode.get(e.errno, str(e))
        r, _, _ = select.select([s], [], [], 0.02)
        if r and not err:
            try:
                d = s.recv(65536)
                if not d:
                    err = "closed by the peer"
                buf += d
            except BlockingIOError:
                pass
            except OSError as e:
                err = "recv: %s" % errno.errorcode.get(e.errno, str(e))
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                n = int(line[1:])
                if n in sent:
                    echoed[sent[n]] += 1
    s.close()
    out.update({"sent": count, "echoed": echoed, "error": err})
    print(json.dumps(out, sort_keys=True))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("notify")
    p.add_argument("--socket", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--probe-tcp")
    p.add_argument("--lifetime", type=float, default=60)
    p.add_argument("--ready")
    p = sub.add_parser("probe")
    p.add_argument("--stop", required=True)
    p.add_argument("--ready")
    p.add_argument("--max", type=float, default=30)
    p.add_argument("--interval", type=float, default=0.005)
    p.add_argument("--udp")
    p.add_argument("--blocked-udp")
    p.add_argument("--blocked-sport", type=int, default=41000)
    p.add_argument("--stream")
    p.add_argument("--p-tcp")
    p.add_argument("--r-tcp")
    p = sub.add_parser("hold")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--marker", required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--max", type=float, default=20)
    p.add_argument("--ready")
    p.add_argument("--bind")
    a = ap.parse_args()
    sys.exit({"notify": notify, "probe": probe, "hold": hold}[a.cmd](a))


if __name__ == "__main__":
    main()
