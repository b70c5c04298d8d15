-- Corrections with a reason (issue 13): once an examiner's entry is stored it is never
-- changed; a correction sent through the server is a new entry that supersedes it and
-- says why. `corrects` is the entry it superseded (set for every superseding entry, a
-- re-import too); `correction_reason` is the examiner's reason, only on corrections sent
-- through the server (a re-imported file is itself the office's correction, no reason).
ALTER TABLE grade_entries ADD COLUMN corrects INTEGER REFERENCES grade_entries (id);
ALTER TABLE grade_entries ADD COLUMN correction_reason TEXT;
