// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PowerLossRecorder: what a power loss could leave of one folder, recorded at the system-call
// boundary of the process that writes it (powerlosswriter). Link powerlossrecorder.cpp into the
// executable and export fsync and fdatasync from it (-Wl,--export-dynamic-symbol=..., as
// tests/auto/durability does): a program's own definitions come first in the dynamic linker's
// search, so the syncs of SQLite, Qt and the library reach the recorder.
//
// Configured by the environment (nothing is recorded without it):
//   PM_POWERLOSS_FOLDER  the store's folder (the only folder whose files and listing count)
//   PM_POWERLOSS_RECORD  an existing folder outside it, for the record
//   PM_POWERLOSS_LIE     a file name in the folder whose syncs succeed without syncing and
//                        without being recorded (the negative control)
//
// On every successful sync of a regular file in the folder, and of the folder itself, the
// recorder appends an event to RECORD/events.log with a sequence number shared with the notes
// of the writer (note()). Each event holds the folder's listing at that moment (name, file
// identity, content version) and says which file (identity) or the folder was synced. The
// content of every file is read at every event, before the real sync is called (the synced
// content is the content the sync was called with), and stored as a version: a new version
// of a file that only grew holds just the bytes appended (a base version and a slice of
// RECORD/blobs.bin), any other holds the whole content. Lines of events.log:
//
//   V VID IDENTITY BASE OFFSET LENGTH   a version: BASE's content (- for none) + the blob slice
//   S SEQ F IDENTITY VID NAME... / S SEQ D ...   a sync of a file (its VID is the synced
//                                       content) or of the folder; then " NAME IDENTITY VID"
//                                       for every regular file in the folder (names are
//                                       percent-encoded)
//   E SEQ ...                           the folder at the end of the run (recordEnd()), same
//                                       listing, no sync
//   L SEQ NAME                          a sync of NAME that PM_POWERLOSS_LIE dropped
//   U SEQ WHAT                          a call the model does not cover (sync(), syncfs(), a
//                                       folder entry that is not a regular file): the test fails
//   KIND SEQ TEXT                       note(KIND, TEXT) from the writer
//
// A file's identity is its device and inode. Every file seen stays open (read-only) until the
// process ends: its inode number cannot be reused by another file during the run, and no
// descriptor on a file is ever closed, which would drop the POSIX locks SQLite holds on it
// (docs/RELIABILITY.md, promise 2). Thread-safe; events are recorded under one mutex.
#ifndef POWERLOSSRECORDER_H
#define POWERLOSSRECORDER_H

#include <QtCore/QByteArray>

namespace PowerLossRecorder {

// Whether the environment configured a record.
bool active();
// Appends "KIND SEQ TEXT" to the event log.
void note(char kind, const QByteArray &text);
// Records the folder's content at the end of the run (an E event).
void recordEnd();
// The last error the recorder met (it cannot fail a sync the library made): empty when none.
QByteArray error();

} // namespace PowerLossRecorder

#endif // POWERLOSSRECORDER_H
