"""The literal blocks of one section of a reStructuredText document, so a
scenario can run a documented recipe as written.

  recipe.py FILE TITLE DIR   writes the literal blocks (the indented text
                             after a paragraph that ends in "::") of the
                             section titled TITLE, from its title to the
                             next title of any level, to DIR/1, DIR/2, ...,
                             dedented; prints how many there are
"""
import os
import sys

# reStructuredText's section adornment characters
ADORN = set("=-`:'\"~^_*+#<>")


def is_rule(line):
    s = line.rstrip()
    return len(s) >= 3 and s[0] in ADORN and s == s[0] * len(s)


def section(lines, title):
    """The lines of the section titled `title`, without its title."""
    for i, line in enumerate(lines):
        if line.strip() == title and i + 1 < len(lines) and is_rule(lines[i + 1]):
            body = []
            for j in range(i + 2, len(lines)):
                # the next title: a text line with a rule under it
                if j + 1 < len(lines) and lines[j].strip() and not is_rule(lines[j]) and is_rule(lines[j + 1]):
                    break
                body.append(lines[j])
            return body
    sys.exit(f"no section titled {title!r}")


def indent(line):
    return len(line) - len(line.lstrip(" "))


def blocks(lines):
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.rstrip().endswith("::") or not line.strip():
            continue
        base, block = indent(line), []
        while i < len(lines) and (not lines[i].strip() or indent(lines[i]) > base):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        while block and not block[0].strip():
            block.pop(0)
        if block:
            cut = min(indent(b) for b in block if b.strip())
            out.append("".join(b[cut:] if b.strip() else "\n" for b in block))
    return out


def main():
    path, title, outdir = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    found = blocks(section(lines, title))
    os.makedirs(outdir, exist_ok=True)
    for k, text in enumerate(found, 1):
        with open(os.path.join(outdir, str(k)), "w", encoding="utf-8") as f:
            f.write(text)
    print(len(found))


if __name__ == "__main__":
    main()
