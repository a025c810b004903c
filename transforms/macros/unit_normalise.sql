-- unit_normalise(text): one spelling per unit, the spelling the NPU catalogue uses
-- (config/reference/npu-catalogue.yaml). Only spellings are unified here, never quantities:
-- 'mmol/l', 'mmol/L', ' MMOL/L ' -> 'mmol/L'; 'umol/L', 'µmol/L', 'μmol/L' -> 'µmol/L';
-- '10^9/l', 'x10E9/L', '× 10^9/L', '10*9/L', 'E9/L', 'mia/L' -> '10^9/L'; 'g/dl' -> 'g/dL'.
-- Whether g/dL may be converted to mmol/L for an analysis is the catalogue's business.
-- Null or blank -> null. A spelling not known here comes back trimmed and otherwise as delivered,
-- so the unit-conformance check shows the analyst what was sent.

-- Lower case, no whitespace, micro sign unified (Greek mu U+03BC and 'mc' become U+00B5),
-- multiplication signs removed at the start, '²' kept.
create or replace macro _unit_key(t) as
    regexp_replace(
        replace(replace(lower(regexp_replace(t, '[\s\x{00A0}\x{202F}]+', '', 'g')), 'μ', 'µ'), 'mc', 'µ'),
        '^[x×*·]', '');

-- Counts per volume written with a power of ten: 10^9/l, 10e9/l, 10*9/l, 10**9/l, e9/l, 109/l
-- (a lost superscript). Only the exponents that occur in lab units are recognised.
create or replace macro _unit_count(k) as
    case when regexp_full_match(k, '(?:10(?:\^|\*\*|\*|e)?|e)(9|12|6|3)/l')
        then '10^' || regexp_extract(k, '(9|12|6|3)/l$', 1) || '/L'
    end;

create or replace macro _unit_spelling(k) as
    map {
        'mmol/l': 'mmol/L', 'µmol/l': 'µmol/L', 'umol/l': 'µmol/L', 'nmol/l': 'nmol/L', 'pmol/l': 'pmol/L',
        'mol/l': 'mol/L', 'meq/l': 'mEq/L', 'mekv/l': 'mEq/L', 'mmol/mol': 'mmol/mol', 'mmol/kg': 'mmol/kg', 'mosm/kg': 'mosmol/kg', 'mosmol/kg': 'mosmol/kg',
        'g/l': 'g/L', 'g/dl': 'g/dL', 'mg/l': 'mg/L', 'mg/dl': 'mg/dL', 'µg/l': 'µg/L', 'ug/l': 'µg/L',
        'ng/l': 'ng/L', 'ng/ml': 'ng/mL', 'µg/dl': 'µg/dL', 'ug/dl': 'µg/dL', 'pg/ml': 'pg/mL', 'mg/mmol': 'mg/mmol',
        'g/mol': 'g/mol', 'mg/g': 'mg/g',
        'u/l': 'U/L', 'e/l': 'U/L', 'ku/l': 'kU/L', 'iu/l': 'IU/L', 'ie/l': 'IU/L', 'ui/l': 'IU/L', 'µkat/l': 'µkat/L', 'ukat/l': 'µkat/L',
        'miu/l': 'mIU/L', 'mu/l': 'mIU/L', 'mie/l': 'mIU/L', '10^-3iu/l': 'mIU/L', '10e-3iu/l': 'mIU/L', '10-3iu/l': 'mIU/L',
        'µiu/ml': 'µIU/mL', 'uiu/ml': 'µIU/mL', 'µu/ml': 'µIU/mL', 'uu/ml': 'µIU/mL', 'miu/ml': 'mIU/mL', 'iu/ml': 'IU/mL',
        'mia/l': '10^9/L', 'mia./l': '10^9/L', 'mill/l': '10^6/L', '/µl': '/µL', '/ul': '/µL', 'celler/µl': '/µL',
        '10^3/µl': '10^3/µL', '10^3/ul': '10^3/µL', 'k/µl': '10^3/µL', 'k/ul': '10^3/µL', '10^6/µl': '10^6/µL', '10^6/ul': '10^6/µL',
        'fl': 'fL', 'fmol': 'fmol', 'pg': 'pg',
        '%': '%', 'procent': '%', 'pct': '%', 'pct.': '%', 'fraction': '1', 'fraktion': '1',
        'ratio': '1', '1': '1', 'inr': '1', 'ratio(inr)': '1', 'l/l': '1',
        'mm': 'mm', 'mm/h': 'mm/h', 'mm/t': 'mm/h', 'mm/time': 'mm/h', 'mm/1h': 'mm/h', 'mm/1t': 'mm/h',
        'ml/min': 'mL/min', 'ml/min/1.73m2': 'mL/min/1.73m²', 'ml/min/1.73m²': 'mL/min/1.73m²',
        'ml/min/1,73m2': 'mL/min/1.73m²', 'ml/min/1,73m²': 'mL/min/1.73m²', 'ml/min/1.73': 'mL/min/1.73m²',
        -- UCUM as FHIR exports write it (http://unitsofmeasure.org codes)
        'mm[hg]': 'mmHg', '10*3/ul': '10^3/µL', '10*3/µl': '10^3/µL', '10*6/ul': '10^6/µL', '10*6/µl': '10^6/µL',
        'mmhg': 'mmHg', 'kpa': 'kPa', '°c': '°C', 'c': '°C', 'grader': '°C', 'kg': 'kg', 'g': 'g', 'm': 'm', 'cm': 'cm',
        '/min': '/min', '1/min': '/min', '×1/min': '/min', 'slag/min': '/min', 'bpm': '/min',
        'arb.enh.': 'arb. enh.', 'arb.enh': 'arb. enh.', 'arb.u.': 'arb. enh.', 'a.u.': 'arb. enh.'
    }[k];

create or replace macro _unit_from_key(t, k) as
    case
        when k = '' then null
        else coalesce(_unit_count(k), _unit_spelling(k), trim(t))
    end;

create or replace macro unit_normalise(t) as _unit_from_key(t, _unit_key(coalesce(t, '')));

-- unit_known(text): whether unit_normalise knows the spelling (rather than passing it through):
-- a text read as a unit from elsewhere (after the number of a value) must be one.
create or replace macro unit_known(t) as
    list_transform([_unit_key(coalesce(t, ''))], lambda _unit_k: _unit_count(_unit_k) is not null or _unit_spelling(_unit_k) is not null)[1];
