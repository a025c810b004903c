-- join_filter_hint(): always true (random() is in [0, 1)); a planner hint, not a filter.
-- Put it in the where clause of the build side of a semi join (`x in (select ... where
-- join_filter_hint())`) whose probe side is a large table scan, such as core.<kind>.
-- Why: DuckDB pushes a join's bloom filter into the probe side's scan only when the build side
-- has a filter it cannot prove true and drop. `is not null` is proven by the statistics and
-- dropped; a volatile predicate is kept. With the bloom filter the scan drops the rows whose
-- key is not on the build side before the join, so probing the history for a run's keys costs
-- about a scan of one column instead of a hash probe of every row.
-- test/transforms/join-filter-hint.test.ts fails when a DuckDB upgrade pushes the bloom filter
-- without it: then this macro and its uses can go.
create or replace macro join_filter_hint() as
    random() < 2;
