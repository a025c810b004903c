import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(process.argv[2], { memory_limit: '2GB', threads: '2' });
const c = await inst.connect();
for (const sql of process.argv.slice(3)) {
  const t = performance.now(); const u0 = process.cpuUsage();
  await c.run(sql);
  const u = process.cpuUsage(u0);
  console.log(((performance.now()-t)/1000).toFixed(2)+' s', ((u.user+u.system)/1e6).toFixed(2)+' cpu', sql.slice(0,120));
}
