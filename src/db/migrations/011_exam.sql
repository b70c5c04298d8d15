-- The computer-based theory exam (机考, issue 14): candidates' one-time access codes,
-- their browser logins, each candidate's sitting (deadline, state), every answer as last
-- given, and the rooms as opened. Times are Unix seconds (compared as numbers).

-- One access code per candidate: only its SHA-256 (see access.rs). `used` is set by the
-- login it allowed; the invigilator's "reset login" clears it, so the same code on the
-- ticket works once more, on another computer.
CREATE TABLE candidate_codes (
    session_id TEXT NOT NULL,
    exam_no    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used       INTEGER,
    PRIMARY KEY (session_id, exam_no),
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;

-- A candidate's logged-in browser. `ended` is set by the reset that moves the candidate to
-- another computer, and by the end of the exam.
CREATE TABLE exam_logins (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    exam_no    TEXT NOT NULL,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    ended      INTEGER,
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;
CREATE INDEX exam_logins_live ON exam_logins (session_id, exam_no) WHERE ended IS NULL;

-- A room as opened by its invigilator: the exam time of its candidates starts then.
CREATE TABLE exam_rooms (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    room       TEXT NOT NULL,
    opened     INTEGER NOT NULL,
    opened_by  TEXT NOT NULL,
    PRIMARY KEY (session_id, room)
) STRICT;

-- One candidate's sitting, made when the room opens. `deadline` is when time is up: the
-- opening plus the paper's minutes, plus time added by an invigilator, plus the time the
-- server was stopped (given back when it starts again). `finished_by` is set once, when the
-- paper is handed in (candidate, timeout, invigilator, misconduct); the sheet is scored in
-- that same transaction.
CREATE TABLE exam_sittings (
    session_id    TEXT NOT NULL,
    exam_no       TEXT NOT NULL,
    paper_id      TEXT NOT NULL REFERENCES papers (id),
    room          TEXT NOT NULL,
    started       INTEGER NOT NULL,
    deadline      INTEGER NOT NULL,
    added_seconds INTEGER NOT NULL DEFAULT 0,
    last_contact  INTEGER,
    finished      INTEGER,
    finished_by   TEXT CHECK (finished_by IN ('candidate', 'timeout', 'invigilator', 'misconduct')),
    PRIMARY KEY (session_id, exam_no),
    FOREIGN KEY (session_id, exam_no) REFERENCES candidates (session_id, exam_no)
) STRICT;
CREATE INDEX exam_sittings_running ON exam_sittings (deadline) WHERE finished IS NULL;

-- The latest answer to each question of a sitting, by the candidate's sequence number: a
-- request that arrives late with a lower number never replaces a newer answer.
CREATE TABLE exam_answers (
    session_id TEXT NOT NULL,
    exam_no    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    answer     TEXT NOT NULL,  -- canonical ("ABD", "对"), '' when cleared
    seq        INTEGER NOT NULL,
    saved      INTEGER NOT NULL,
    PRIMARY KEY (session_id, exam_no, position),
    FOREIGN KEY (session_id, exam_no) REFERENCES exam_sittings (session_id, exam_no)
) STRICT, WITHOUT ROWID;

-- When the session's server was last known to run (renewed with its lock), so the time it
-- was stopped can be given back to the sittings still running when it starts again.
CREATE TABLE exam_clock (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id),
    alive      INTEGER NOT NULL
) STRICT;

-- Invigilators log in like examiners: the role check of web_sessions grows to hold them.
CREATE TABLE web_sessions_v2 (
    token_hash  TEXT PRIMARY KEY,
    examiner_id INTEGER NOT NULL REFERENCES examiners (id),
    role        TEXT NOT NULL CHECK (role IN ('examiner', 'chief', 'invigilator')),
    created     INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    expires     INTEGER NOT NULL,
    ended       INTEGER
) STRICT;
INSERT INTO web_sessions_v2 SELECT token_hash, examiner_id, role, created, last_seen, expires, ended FROM web_sessions;
DROP TABLE web_sessions;
ALTER TABLE web_sessions_v2 RENAME TO web_sessions;
CREATE INDEX web_sessions_by_examiner ON web_sessions (examiner_id) WHERE ended IS NULL;
