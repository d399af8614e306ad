/**
 * SQLite schema and migrations. `audit_schema_version` holds the version applied; each entry
 * of MIGRATIONS moves it up by one, in a transaction. Add a migration; never edit a shipped one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE audit_events (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    instance TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    decision TEXT NOT NULL,
    provider TEXT,
    client TEXT NOT NULL,
    model TEXT,
    status INTEGER,
    findings INTEGER NOT NULL,
    max_severity INTEGER NOT NULL,
    hash TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (instance, seq)
  );
  CREATE INDEX audit_events_ts ON audit_events (ts, id);
  CREATE TABLE audit_findings (
    event_row INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    action TEXT NOT NULL
  );
  CREATE INDEX audit_findings_ts ON audit_findings (ts);
  CREATE INDEX audit_findings_event ON audit_findings (event_row);
  CREATE TABLE audit_anchors (
    instance TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    pruned_at INTEGER NOT NULL
  );
  `,
  // 2: per-minute counts for the dashboard, filled by append; backfilled from what is stored.
  `
  CREATE TABLE audit_rollup (
    minute INTEGER NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (minute, dim, key)
  ) WITHOUT ROWID;
  INSERT INTO audit_rollup SELECT ts / 60000, 'decision', decision, COUNT(*) FROM audit_events GROUP BY 1, 3;
  INSERT INTO audit_rollup SELECT ts / 60000, 'kind', kind, COUNT(*) FROM audit_events GROUP BY 1, 3;
  INSERT INTO audit_rollup SELECT ts / 60000, 'client', client, COUNT(*) FROM audit_events GROUP BY 1, 3;
  INSERT INTO audit_rollup SELECT ts / 60000, 'category', category, COUNT(*) FROM audit_findings GROUP BY 1, 3;
  INSERT INTO audit_rollup SELECT ts / 60000, 'rule', rule_id, COUNT(*) FROM audit_findings GROUP BY 1, 3;
  `,
  // 3: one finding row per event and (rule, category, severity, action), counting its findings in
  // n: a request that names the project path in a dozen places stores one row, not twelve.
  `ALTER TABLE audit_findings ADD COLUMN n INTEGER NOT NULL DEFAULT 1;`,
  // 4: requests per client apart from egress attempts (the dashboard's top clients), backfilled.
  `INSERT INTO audit_rollup SELECT ts / 60000, 'request-client', client, COUNT(*) FROM audit_events WHERE kind = 'request' GROUP BY 1, 3;`,
];
