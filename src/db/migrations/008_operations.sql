-- Exam operations (issue 11): roster maintenance, attendance and misconduct, retakes
-- and appeals. Nothing is deleted: every change leaves a record of who, when and why.

-- A withdrawn (退考) candidate keeps the record; the reason is kept beside it.
ALTER TABLE candidates ADD COLUMN status TEXT NOT NULL DEFAULT 'registered'
    CHECK (status IN ('registered', 'withdrawn'));
ALTER TABLE candidates ADD COLUMN status_reason TEXT;

-- Every change to a session's roster and results made by hand, with who, when and why.
-- Not tied to candidates by a foreign key: a transfer moves the candidate away, the log
-- of the session they left stays.
CREATE TABLE session_log (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    exam_no    TEXT NOT NULL,
    action     TEXT NOT NULL,  -- update, withdraw, transfer-out, transfer-in, reimport, mark, appeal-open, appeal-decide
    detail     TEXT NOT NULL,  -- what changed, in Chinese
    reason     TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX session_log_by_session ON session_log (session_id, id);

-- Attendance and misconduct per part (缺考 / 违纪).
CREATE TABLE marks (
    session_id TEXT NOT NULL,
    exam_no    TEXT NOT NULL,
    part       TEXT NOT NULL CHECK (part IN ('theory', 'practical')),
    status     TEXT NOT NULL CHECK (status IN ('absent', 'misconduct')),
    reason     TEXT NOT NULL,
    marked_by  TEXT NOT NULL,
    marked_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, exam_no, part),
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;

-- A retake session (补考) names the sessions it retakes, comma-separated.
ALTER TABLE sessions ADD COLUMN retake_of TEXT;

-- A part passed in an earlier session and carried into a retake session.
CREATE TABLE carried_parts (
    session_id    TEXT NOT NULL,
    exam_no       TEXT NOT NULL,
    part          TEXT NOT NULL CHECK (part IN ('theory', 'practical')),
    score         REAL NOT NULL,
    from_session  TEXT NOT NULL REFERENCES sessions (id),
    from_exam_no  TEXT NOT NULL,
    sat_on        TEXT NOT NULL,  -- YYYY-MM-DD, the date of the session it was sat in
    PRIMARY KEY (session_id, exam_no, part),
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;

-- Appeals (复核) against one part's result. Open while `outcome` is NULL. `old_score` and
-- `score` are the part's score before and after the decision (the same when upheld);
-- a practical correction names the task and its new score (`task`, `task_score`).
CREATE TABLE appeals (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    exam_no    TEXT NOT NULL,
    part       TEXT NOT NULL CHECK (part IN ('theory', 'practical')),
    reason     TEXT NOT NULL,
    opened_by  TEXT NOT NULL,
    opened_at  TEXT NOT NULL,
    outcome    TEXT CHECK (outcome IN ('upheld', 'corrected')),
    task       TEXT,
    task_score REAL,
    score      REAL,
    old_score  REAL,
    note       TEXT,
    decided_by TEXT,
    decided_at TEXT,
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;
