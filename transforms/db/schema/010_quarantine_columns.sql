-- core.quarantine.column_names: the field each finding of a quarantined record is in, parallel to
-- check_ids and reasons (element i for check i): the column, columns joined with ", " when one
-- check fails in several, null for a finding about the record as a whole.
--
-- Why: a reason such as "a CPR number or replacement number appears in this field" did not say
-- which field; rejects carry column_name, the quarantine had the column only in
-- quality.row_findings. Records quarantined before this version keep null.
alter table core.quarantine add column column_names varchar[];
