-- t_975(df): the 97.5% quantile of Student's t with df degrees of freedom, for two-sided 95%
-- intervals from few observations (a trend over a dozen months). Tabulated values (any statistics
-- table; checked against scipy.stats.t.ppf to 4 decimals); between tabulated degrees of freedom
-- the next lower one is used, which errs on the wide side. Null below 1.
create or replace macro t_975(df) as
    case
        when df is null or df < 1 then null
        when df <= 30 then [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                            2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                            2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423][cast(df as integer)]
        when df < 40 then 2.0423
        when df < 60 then 2.0211
        when df < 120 then 2.0003
        else 1.9799
    end;
