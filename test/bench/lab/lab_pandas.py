"""The obvious checks of a lab extract in pandas (see README.md): what an analyst writes in a
notebook, for the hospital export of hospital-extract.ts. Usage: lab_pandas.py labevents.csv"""
import json
import sys

import pandas as pd

NUMBER = r'[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)'

df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
df = df.apply(lambda c: c.str.strip())
# the text value, else the number beside it when the text was removed (___) or left empty
value = df['value'].where(~df['value'].isin(['', '___']), df['valuenum'])
missing = value.isin(['', '___'])
numeric = value.str.fullmatch(NUMBER)
num = value.where(numeric).astype(float)


def number(col):
    return df[col].where(df[col].str.fullmatch(NUMBER)).astype(float)


x = pd.DataFrame({'patient': df['subject_id'], 'code': df['itemid'], 'sampled': df['charttime'], 'value': value,
                  'unit': df['valueuom'], 'num': num, 'low': number('ref_range_lower'), 'high': number('ref_range_upper'),
                  'flagged': df['flag'] != ''})

units = x[x['unit'] != ''].groupby('code')['unit'].nunique()
n = x[numeric].copy()
n['med'] = n.groupby(['code', 'unit'])['num'].transform('median')
n['dev'] = (n['num'] - n['med']).abs()
n['mad'] = n.groupby(['code', 'unit'])['dev'].transform('median')
outliers = (n['mad'] > 0) & (n['dev'] / (1.4826 * n['mad']) > 5)

ref = x['num'].notna() & x['low'].notna() & x['high'].notna()
below = ref & (x['num'] < x['low'])
above = ref & (x['num'] > x['high'])
inside = ref & ~below & ~above

ts = '%Y-%m-%d %H:%M:%S'
time_bad = pd.to_datetime(df['storetime'], format=ts, errors='coerce') < pd.to_datetime(df['charttime'], format=ts, errors='coerce')
keys = ['patient', 'code', 'sampled', 'value']

print(json.dumps({
    'rows': int(len(x)),
    'value_missing': int(missing.sum()),
    'value_not_number': int((~missing & ~numeric).sum()),
    'codes': int(x['code'].nunique()),
    'codes_with_several_units': int((units > 1).sum()),
    'outliers': int(outliers.sum()),
    'with_reference': int(ref.sum()),
    'below_reference': int(below.sum()),
    'above_reference': int(above.sum()),
    'outside_flagged': int(((below | above) & x['flagged']).sum()),
    'inside_flagged': int((inside & x['flagged']).sum()),
    'result_before_sampling': int(time_bad.sum()),
    'duplicates': int(x.duplicated(keys).sum()),
    'usable': int(len(x.loc[~missing & ~time_bad, keys].drop_duplicates())),
}))
