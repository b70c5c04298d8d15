-- The exam site's own server (issue 13): examiners who log in from tablets, their
-- browser sessions, a log of what was done through the server, and the one running
-- server per exam session. Nothing here holds a login code or a session token in clear:
-- only their SHA-256.

-- People who may log in for one exam session. Revoking keeps the row (revoked_at), so
-- the log can still name who did what; re-adding the name makes a new row with a new code.
CREATE TABLE examiners (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('examiner', 'chief', 'invigilator')),
    code_hash  TEXT NOT NULL,  -- hex SHA-256 of the login code (see db/serve.rs)
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
CREATE UNIQUE INDEX examiners_active ON examiners (session_id, name) WHERE revoked_at IS NULL;

-- A logged-in browser. `expires` and `last_seen` are Unix seconds (compared as numbers);
-- `ended` is set by logout and by revoking the examiner.
CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,  -- hex SHA-256 of the cookie's token
    examiner_id INTEGER NOT NULL REFERENCES examiners (id),
    role        TEXT NOT NULL CHECK (role IN ('examiner', 'chief')),
    created     INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    ended       INTEGER
) STRICT;
CREATE INDEX web_sessions_by_examiner ON web_sessions (examiner_id) WHERE ended IS NULL;

-- What was done through the server: who, when, from which address, what. Append-only:
-- the triggers refuse changes and deletions. No personal data (ID numbers, names of
-- candidates) goes into `detail`, only exam numbers, task ids and scores.
CREATE TABLE web_log (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    at         TEXT NOT NULL,
    who        TEXT,           -- the examiner's name; NULL before a login succeeded
    address    TEXT NOT NULL,  -- the client's IP address
    action     TEXT NOT NULL,  -- login, login-failed, login-blocked, logout, grade, grade-resend, resolve
    detail     TEXT NOT NULL
) STRICT;
CREATE TRIGGER web_log_no_update BEFORE UPDATE ON web_log BEGIN
    SELECT RAISE (ABORT, 'web_log is append-only');
END;
CREATE TRIGGER web_log_no_delete BEFORE DELETE ON web_log BEGIN
    SELECT RAISE (ABORT, 'web_log is append-only');
END;

-- Grades sent through the server carry the id the tablet gave them, so a resend after
-- a lost answer is recognised and stored once; and what only the web sheet asks for: the
-- examiner's comment, overall rating and the reason for each veto (JSON: id → reason).
ALTER TABLE grade_entries ADD COLUMN client_id TEXT;
ALTER TABLE grade_entries ADD COLUMN comment TEXT;
ALTER TABLE grade_entries ADD COLUMN rating TEXT CHECK (rating IN ('pass', 'borderline', 'fail'));
ALTER TABLE grade_entries ADD COLUMN veto_reasons TEXT;
CREATE UNIQUE INDEX grade_entries_client_id ON grade_entries (session_id, examiner, client_id)
    WHERE client_id IS NOT NULL;

-- The server running for an exam session, if any: one at a time. `heartbeat` (Unix
-- seconds) is renewed while it runs, so the row of a server that was killed goes stale
-- and no longer blocks a new one.
CREATE TABLE serve_locks (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id),
    token      TEXT NOT NULL,  -- random, so only the server that took the lock releases it
    pid        INTEGER NOT NULL,
    host       TEXT NOT NULL,
    address    TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat  INTEGER NOT NULL
) STRICT;
