"""The reference workload in pandas (see README.md). Usage: workload_pandas.py spec.json [parquet-as-csv dir]."""
import json
import os
import sys

import pandas as pd

spec = json.load(open(sys.argv[1]))
csv_of_parquet = sys.argv[2] if len(sys.argv) > 2 else None


def read(f):
    """One file as text columns named canonically, plus the system."""
    enc = 'cp1252' if f['encoding'] == 'latin-1' else 'utf-8'
    if f['format'] == 'parquet':
        # Debian has no pyarrow: run.ts converted the file to CSV beforehand, outside the timing.
        path = os.path.join(csv_of_parquet, f['file'].replace('/', '__') + '.csv')
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[''])
    elif f['format'] == 'ndjson':
        df = pd.read_json(f['path'], lines=True, dtype=False, compression='infer', encoding=enc)
    else:
        df = pd.read_csv(f['path'], sep=f['delimiter'], quotechar='"', dtype=str, encoding=enc,
                         keep_default_na=False, na_values=[''], compression='infer')
    out = pd.DataFrame({canon: (df[col].astype('string') if col in df.columns else pd.Series(pd.NA, index=df.index, dtype='string'))
                        for canon, col in f['columns'].items()})
    out['system'] = f['system']
    return out


dx_parts = []
lab_parts = []
for f in spec['files']:
    d = read(f)
    if f['kind'] == 'diagnoser':
        spellings = set(f['a_spellings'])
        dx_parts.append(pd.DataFrame({
            'system': d['system'],
            'contact_date': pd.to_datetime(d['contact_date'], format=f['dates'], errors='coerce'),
            'is_a': d['kind'].str.strip().str.upper().isin(spellings).fillna(False).astype(bool),
        }))
    else:
        v = d['value'].str.strip()
        if f['decimal'] == ',':
            v = v.str.replace('.', '', regex=False).str.replace(',', '.', regex=False)
        lab_parts.append(pd.DataFrame({
            'system': d['system'], 'patient': d['patient'], 'analysis_code': d['analysis_code'],
            'value_raw': d['value'], 'value_num': pd.to_numeric(v, errors='coerce'), 'sampled_at': d['sampled_at'],
        }))
diagnoses = pd.concat(dx_parts, ignore_index=True)
labs = pd.concat(lab_parts, ignore_index=True)

dated = diagnoses[diagnoses['contact_date'].notna()]
a_share = dated.groupby([dated['system'], dated['contact_date'].dt.strftime('%Y-%m')]).agg(n=('is_a', 'size'), a=('is_a', 'sum'))
limits = pd.DataFrame(spec['limits']).rename(columns={'code': 'analysis_code'})
j = labs.merge(limits, on='analysis_code')
j['below'] = j['value_num'] < j['low']
j['above'] = j['value_num'] > j['high']
plaus = j.groupby('analysis_code').agg(n=('analysis_code', 'size'), numeric=('value_num', 'count'),
                                        below=('below', 'sum'), above=('above', 'sum'))
keys = ['system', 'patient', 'analysis_code', 'sampled_at', 'value_raw']
sizes = labs.groupby(keys, dropna=False).size()
dups = sizes[sizes > 1]
print(json.dumps({
    'diagnoses': int(len(diagnoses)),
    'labs': int(len(labs)),
    'a_share_cells': int(len(a_share)),
    'a_share_n': int(a_share['n'].sum()),
    'a_share_a': int(a_share['a'].sum()),
    'plausibility_analyses': int(len(plaus)),
    'plausibility_n': int(plaus['n'].sum()),
    'plausibility_numeric': int(plaus['numeric'].sum()),
    'plausibility_below': int(plaus['below'].sum()),
    'plausibility_above': int(plaus['above'].sum()),
    'duplicate_groups': int(len(dups)),
    'duplicate_rows': int((dups - 1).sum()),
}))
