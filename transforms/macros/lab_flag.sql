-- lab_flag(abnormal_flag): what a lab result's abnormal flag says, in any spelling a journal
-- system or a foreign export writes it: 'high', 'low', 'abnormal' (outside, either way), 'none'
-- (no flag, or one saying normal) or 'unknown' (a spelling not listed here). One list for the
-- row findings (lab.flag_inconsistent, transforms/lab/row_findings.sql) and lab-quality's
-- results outside their interval (quality/reports/lab-quality/collect.ts).
create or replace macro lab_flag(f) as
    case
        when f is null then 'none'
        when lower(f) in ('for_hoej', 'h', 'hh', 'hi', 'høj', 'hoej', 'high', '+', '>', 'forhøjet') then 'high'
        when lower(f) in ('for_lav', 'l', 'll', 'lo', 'lav', 'low', '-', '<', 'nedsat') then 'low'
        when lower(f) in ('unormal', 'a', 'abn', 'abnormal', 'afvigende', '*') then 'abnormal'
        when lower(f) in ('n', 'normal', 'ingen', '') then 'none'
        else 'unknown'
    end;
