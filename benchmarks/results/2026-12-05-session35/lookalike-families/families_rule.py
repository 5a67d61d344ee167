# The look-alike rule on family originals. Usage:
#   python3 families_rule.py slots.tsv OUT/pictures-references.txt OUT/pictures.json neighbours.tsv
# slots.tsv: family, clip-art file, the evaluation's slot for it (fimages/X.png or fart/.../X.ext).
# neighbours.tsv: library_neighbours' output (index, name, best, best's name, best under 0.9, its name).
import json, sys, os, collections
slots, refs_file, run_file, nb_file = sys.argv[1:5]
refs = [l.rstrip('\n') for l in open(refs_file)]
stem = lambda p: os.path.basename(p).split('.')[0]
fam_of_slot = {}
for l in open(slots):
    fam, src, slot = l.rstrip('\n').split('\t')
    fam_of_slot[stem(slot)] = (fam, os.path.basename(src))
# the originals are the first references: fimages/<slot>.png or WORK/pictures/originals/<slot>.flat.png
member = {}
for i, r in enumerate(refs):
    if (r.startswith('fimages/') or '/fimages/' in r or '/originals/' in r) and stem(r) in fam_of_slot:
        member[i] = fam_of_slot[stem(r)]
look = {}
for line in open(nb_file):
    f = line.rstrip('\n').split('\t')
    look[int(f[0])] = (float(f[4]), f[5], float(f[2]), f[3])
run = json.load(open(run_file))
answers = next(a for a in run['answers'] if a['method'] == 'clickprint')['ranked']
rname = lambda i: member[i][1] if i in member else os.path.basename(refs[i]).split('.')[0] + ('' if '/fclip/' in '/' + refs[i] else ' (photo)')
print("family members' look-alike scores (best other library item under 0.9; best overall)")
for i in sorted(member, key=lambda i: (member[i][0], i)):
    s, o, b, bo = look[i]
    nm = {os.path.basename(refs[j]): rname(j) for j in range(len(refs))}
    print(f"  {member[i][0]:10s} {member[i][1]:24s} {s:.3f} {nm.get(o, o):28s} best {b:.3f} {nm.get(bo, bo)}")
MARGINS = (0.0, 0.05, 0.1)
fams = sorted({m[0] for m in member.values()})
rows = collections.OrderedDict((f, collections.Counter()) for f in fams + ['all'])
lost_list = {m: [] for m in MARGINS}
sib_list = []
other_wrong = []
for q, r in zip(run['queries'], answers):
    t = q['truth']
    if t is None or t not in member:
        continue
    fam = member[t][0]
    for key in (fam, 'all'):
        rows[key]['copies'] += 1
    if not r or r[0]['score'] < 0.3:
        continue
    top, score = r[0]['reference'], r[0]['score']
    qn = os.path.basename(q['file'])
    qn = member[t][1].rsplit('.', 1)[0] + ' ' + qn.split('.', 1)[1].replace('flat.', '')
    if top == t:
        for key in (fam, 'all'):
            rows[key]['found'] += 1
        for m in MARGINS:
            if score <= look[t][0] + m:
                for key in (fam, 'all'):
                    rows[key][f'lost{m}'] += 1
                lost_list[m].append((fam, qn, score, look[t][0], rname(refs.index(next(r for r in refs if os.path.basename(r) == look[t][1]))) if look[t][1] != '-' else '-'))
    elif top in member and member[top][0] == fam:
        for key in (fam, 'all'):
            rows[key]['sibling'] += 1
        gone = [m for m in MARGINS if score <= look[top][0] + m]
        for m in gone:
            for key in (fam, 'all'):
                rows[key][f'sibrm{m}'] += 1
        # after the rule at 0.05: the first answer left
        left = [a for a in r if a['score'] >= 0.3 and a['score'] > look.get(a['reference'], (0,))[0] + 0.05]
        after = (rname(left[0]['reference']) + f" {left[0]['score']:.3f}") if left else "none"
        sib_list.append((fam, qn, rname(top), score, look[top][0], 'removed at ' + ','.join(map(str, gone)) if gone else 'kept', after))
    else:
        for key in (fam, 'all'):
            rows[key]['otherwrong'] += 1
        other_wrong.append((fam, qn, rname(top), score))
print()
print("| family | copies | found first at >= 0.3 | lost at margin 0 | lost at 0.05 | lost at 0.1 | sibling first at >= 0.3 | siblings removed at 0 / 0.05 / 0.1 | other wrong first |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for f, c in rows.items():
    print(f"| {f} | {c['copies']} | {c['found']} | {c['lost0.0']} | {c['lost0.05']} | {c['lost0.1']} | {c['sibling']} | "
          f"{c['sibrm0.0']} / {c['sibrm0.05']} / {c['sibrm0.1']} | {c['otherwrong']} |")
for m in MARGINS:
    print(f"\ncopies lost at margin {m} (family, copy, score, original's look-alike score, look-alike):")
    for x in sorted(lost_list[m], key=lambda x: (x[0], -x[2])):
        print(f"  {x[0]:10s} {x[1]:44s} {x[2]:.3f}  {x[3]:.3f} {x[4]}")
print("\nsibling first answers (family, copy, answered sibling, score, sibling's look-alike score, rule, first answer left at 0.05 among the top 3):")
for x in sib_list:
    print(f"  {x[0]:10s} {x[1]:44s} {x[2]:24s} {x[3]:.3f} {x[4]:.3f} {x[5]}; then: {x[6]}")
print("\nother wrong first answers at >= 0.3:")
for x in other_wrong:
    print(f"  {x[0]:10s} {x[1]:44s} {x[2]:28s} {x[3]:.3f}")
