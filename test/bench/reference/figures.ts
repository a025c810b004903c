// The workload's three answers in SQL, shared by fangst.ts (over its staging tables); the same
// figures as polars.ts and pandas.py compute.
// `labs` is read twice, not materialised: a copy of its rows costs more than a second scan.
// `sampledKey` lists the columns that stand for the sampling time as delivered (default sampled_at).
export function figuresSql(q: { diagnoses: string; labs: string; limits: string; sampledKey?: string }): string {
  return `
    with diagnoses as (${q.diagnoses}),
    labs as not materialized (${q.labs}),
    limits(code, low, high) as (values ${q.limits}),
    a_share as (
        select system, date_trunc('month', contact_date) as month, count(*) as n, count(*) filter (where is_a) as a
        from diagnoses where contact_date is not null group by all
    ),
    plausibility as (
        select labs.analysis_code, count(*) as n, count(value_num) as numeric,
            count(*) filter (where value_num < limits.low) as below,
            count(*) filter (where value_num > limits.high) as above
        from labs join limits on limits.code = labs.analysis_code group by all
    ),
    duplicates as (
        select count(*) as groups, coalesce(sum(n - 1), 0) as rows from (
            select count(*) as n from labs group by system, patient, analysis_code, ${q.sampledKey ?? 'sampled_at'}, value_raw having count(*) > 1
        )
    )
    select to_json({
        diagnoses: (select count(*) from diagnoses),
        labs: (select count(*) from labs),
        a_share_cells: (select count(*) from a_share),
        a_share_n: (select sum(n) from a_share),
        a_share_a: (select sum(a) from a_share),
        plausibility_analyses: (select count(*) from plausibility),
        plausibility_n: (select sum(n) from plausibility),
        plausibility_numeric: (select sum(numeric) from plausibility),
        plausibility_below: (select sum(below) from plausibility),
        plausibility_above: (select sum(above) from plausibility),
        duplicate_groups: (select groups from duplicates),
        duplicate_rows: (select rows from duplicates)
    })::varchar as figures`;
}
