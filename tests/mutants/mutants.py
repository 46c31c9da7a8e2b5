#!/usr/bin/python3
"""The mutant list (tests/mutants/mutants.txt): read it, apply one break.

  mutants.py names LIST               the mutants' names, one a line
  mutants.py apply LIST NAME SRC DST  write NAME's file from the tree SRC
                                      into the tree DST with its line
                                      replaced; prints the file's path, or
                                      "NOAPPLY ..." when "from" does not
                                      match exactly one line
  mutants.py check LIST ROOT          every mutant applies to ROOT (exit 1
                                      naming those that do not): run by
                                      `make test`, so that a change of the
                                      data path cannot leave a break behind
"""
import sys


def read(path):
    """{name: {"file", "from", "to", "what"}} in the list's order."""
    blocks, cur = {}, None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("== "):
            name, _, what = line[3:].partition(":")
            cur = name.strip()
            blocks[cur] = {"what": what.strip()}
        elif cur and ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            blocks[cur][k.strip()] = v.strip()
    return blocks


def hits(m, root):
    """The indexes of the lines of m's file under root that "from" matches
    (after trimming), and the file's lines."""
    try:
        src = open(f"{root}/{m['file']}").read().split("\n")
    except (OSError, KeyError) as e:
        return [], [], str(e)
    return [i for i, l in enumerate(src) if m.get("from", "\0") in l.strip()], src, None


def problem(name, m, root):
    if not all(k in m for k in ("file", "from", "to")):
        return f"{name}: needs file, from and to"
    found, _, err = hits(m, root)
    if err:
        return f"{name}: {err}"
    if len(found) != 1:
        return f"{name}: {m['file']}: '{m['from']}' matches {len(found)} lines"
    return None


def main(argv):
    if len(argv) == 3 and argv[1] == "names":
        print("\n".join(read(argv[2])))
        return 0
    if len(argv) == 6 and argv[1] == "apply":
        lst, name, src_root, dst_root = argv[2:6]
        m = read(lst)[name]
        bad = problem(name, m, src_root)
        if bad:
            print("NOAPPLY " + bad.split(": ", 1)[1])
            return 0
        (i,), src, _ = hits(m, src_root)
        indent = src[i][: len(src[i]) - len(src[i].lstrip())]
        src[i] = indent + m["to"]
        with open(f"{dst_root}/{m['file']}", "w") as f:
            f.write("\n".join(src))
        print(m["file"])
        return 0
    if len(argv) == 4 and argv[1] == "check":
        blocks = read(argv[2])
        bad = [p for p in (problem(n, m, argv[3]) for n, m in blocks.items()) if p]
        for p in bad:
            print(f"mutants: {p}", file=sys.stderr)
        if not blocks:
            print("mutants: the list is empty", file=sys.stderr)
            return 1
        if bad:
            return 1
        print(f"mutants: all {len(blocks)} breaks of {argv[2]} apply to exactly one line")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
