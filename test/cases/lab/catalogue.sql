-- A small NPU catalogue for the lab-quality tests, in the tables the catalogue loader fills
-- (ref.npu_analyses, ref.npu_units, ref.npu_retired). Facts from ../shared/DOMAIN.md and
-- reference/lab_plausibility_limits_draft.csv (hard limits); soft bands are test choices.
delete from ref.npu_analyses;
delete from ref.npu_units;
delete from ref.npu_retired;
insert into ref.npu_analyses (code, name, unit, result_type, allowed_values, hard_low, hard_high, soft_low, soft_high) values
    ('NPU02319', 'B-Hæmoglobin', 'mmol/L', 'numeric', null, 1.0, 15.5, 3.0, 12.5),
    ('NPU27300', 'B-Hæmoglobin A1c', 'mmol/mol', 'numeric', null, 15, 200, 20, 140),
    ('NPU22089', 'P(kB)-Glukose', 'mmol/L', 'numeric', null, 1.8, 111, 2.5, 30),
    ('NPU18016', 'P-Kreatininium', 'µmol/L', 'numeric', null, 9, 5300, 20, 1500),
    ('NPU19748', 'P-C-reaktivt protein', 'mg/L', 'numeric', null, 0, 1000, 0, 500),
    ('NPU19651', 'P-Alanintransaminase', 'U/L', 'numeric', null, 2, 10000, 5, 1000),
    ('NPU21578', 'U-Nitrit (stix)', '', 'ordinal', ['neg', 'pos'], null, null, null, null);
insert into ref.npu_units (code, unit, factor, "offset") values
    ('NPU02319', 'g/dL', 0.6206, 0),
    ('NPU02319', 'g/L', 0.06206, 0),
    ('NPU27300', '%', 10.929, -23.49735),
    ('NPU22089', 'mg/dL', 0.0555, 0),
    ('NPU18016', 'mg/dL', 88.4, 0);
insert into ref.npu_retired (code, successor) values
    ('NPU01129', 'NPU19651'),
    ('NPU03835', 'NPU27300');
