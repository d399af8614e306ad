/**
 * PostgreSQL schema and migrations, applied under an advisory lock so that several gateways
 * starting together migrate once. Add a migration; never edit a shipped one.
 */
export function postgresMigrations(schema: string | undefined): string[] {
  const s = schema ? `"${schema}".` : '';
  return [
    `
    CREATE TABLE ${s}audit_events (
      row_id bigserial PRIMARY KEY,
      id text NOT NULL UNIQUE,
      instance text NOT NULL,
      seq bigint NOT NULL,
      ts bigint NOT NULL,
      kind text NOT NULL,
      decision text NOT NULL,
      provider text,
      client text NOT NULL,
      model text,
      status int,
      findings int NOT NULL,
      max_severity int NOT NULL,
      hash text NOT NULL,
      doc text NOT NULL,
      UNIQUE (instance, seq)
    );
    CREATE INDEX audit_events_ts ON ${s}audit_events (ts, id);
    CREATE TABLE ${s}audit_findings (
      event_row bigint NOT NULL,
      ts bigint NOT NULL,
      rule_id text NOT NULL,
      category text NOT NULL,
      severity text NOT NULL,
      action text NOT NULL
    );
    CREATE INDEX audit_findings_ts ON ${s}audit_findings (ts);
    CREATE INDEX audit_findings_event ON ${s}audit_findings (event_row);
    CREATE TABLE ${s}audit_anchors (
      instance text PRIMARY KEY,
      seq bigint NOT NULL,
      hash text NOT NULL,
      pruned_at bigint NOT NULL
    );
    `,
    // 2: per-minute counts for the dashboard, filled by append; backfilled from what is stored.
    `
    CREATE TABLE ${s}audit_rollup (
      minute bigint NOT NULL,
      dim text NOT NULL,
      key text NOT NULL,
      n bigint NOT NULL,
      PRIMARY KEY (minute, dim, key)
    );
    INSERT INTO ${s}audit_rollup SELECT ts / 60000, 'decision', decision, COUNT(*) FROM ${s}audit_events GROUP BY 1, 3;
    INSERT INTO ${s}audit_rollup SELECT ts / 60000, 'kind', kind, COUNT(*) FROM ${s}audit_events GROUP BY 1, 3;
    INSERT INTO ${s}audit_rollup SELECT ts / 60000, 'client', client, COUNT(*) FROM ${s}audit_events GROUP BY 1, 3;
    INSERT INTO ${s}audit_rollup SELECT ts / 60000, 'category', category, COUNT(*) FROM ${s}audit_findings GROUP BY 1, 3;
    INSERT INTO ${s}audit_rollup SELECT ts / 60000, 'rule', rule_id, COUNT(*) FROM ${s}audit_findings GROUP BY 1, 3;
    `,
    // 3: one finding row per event and (rule, category, severity, action), counting them in n.
    `ALTER TABLE ${s}audit_findings ADD COLUMN n int NOT NULL DEFAULT 1;`,
    // 4: requests per client apart from egress attempts (the dashboard's top clients), backfilled.
    `INSERT INTO ${s}audit_rollup SELECT ts / 60000, 'request-client', client, COUNT(*) FROM ${s}audit_events WHERE kind = 'request' GROUP BY 1, 3;`,
  ];
}
