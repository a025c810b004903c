-- Each measurement of this run once, for the figures that describe values: the code profiles and
-- the outliers judged against them, the values per clinic, the results inside and outside their
-- delivered interval. lab.results without the rows the pipeline calls an exact duplicate of
-- another (pipeline.duplicate: a re-send) or an older version a correction supersedes
-- (pipeline.superseded): a result sent three times is one value, and an old version's value is
-- not one the laboratory stands by. The findings and the usable share still count every row.
-- materialised: view (read where the figures are made; a table would copy every row)
with results as (
    select * from lab.results
),

repeats as (
    select source_file, source_line from work.pipeline_findings
    where kind = 'laboratoriesvar' and check_id in ('pipeline.duplicate', 'pipeline.superseded')
)

select results.* from results
anti join repeats using (source_file, source_line)
