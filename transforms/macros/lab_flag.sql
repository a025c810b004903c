-- lab_flag(abnormal_flag): what a lab result's abnormal flag says, in any spelling a journal
-- system or a foreign export writes it: 'high', 'low', 'abnormal' (outside, either way), 'none'
-- (no flag, or one saying normal) or 'unknown' (a spelling not listed here). One list for the
-- row findings (lab.flag_inconsistent, transforms/lab/row_findings.sql) and lab-quality's
-- results outside their interval (quality/reports/lab-quality/collect.ts).
-- The spellings are lists, not IN (...): DuckDB plans an IN list of constants as a join of every
-- row against them, one join per list, far dearer than looking each value up in a short list.
create or replace macro lab_flag(f) as
    case
        when f is null then 'none'
        when list_contains(['for_hoej', 'h', 'hh', 'hi', 'høj', 'hoej', 'high', '+', '>', 'forhøjet'], lower(f)) then 'high'
        when list_contains(['for_lav', 'l', 'll', 'lo', 'lav', 'low', '-', '<', 'nedsat'], lower(f)) then 'low'
        when list_contains(['unormal', 'a', 'abn', 'abnormal', 'afvigende', '*'], lower(f)) then 'abnormal'
        when list_contains(['n', 'normal', 'ingen', ''], lower(f)) then 'none'
        else 'unknown'
    end;
