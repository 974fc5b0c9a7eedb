//! Reading a file discosim did not just write: a scenario, an empirical sample file, or a
//! results folder's journal, manifest and CSV files. Every one is untrusted input, so only
//! regular files are read (a FIFO would block forever, `/dev/zero` never ends) and never more
//! than a stated number of bytes.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest scenario file read.
pub(crate) const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// Largest empirical sample file read (8 bytes a sample in memory: ~100 M samples at most).
pub(crate) const MAX_SAMPLES_BYTES: u64 = 256 << 20;
/// Largest `manifest.json` or CSV file read back by `plot`.
pub(crate) const MAX_RESULTS_FILE_BYTES: u64 = 1 << 30;
/// Largest `journal.jsonl` read back by `--resume` and `merge`.
pub(crate) const MAX_JOURNAL_BYTES: u64 = 4 << 30;

/// Reads a whole regular file of at most `max_bytes` as UTF-8 text; the error says why not.
pub(crate) fn read_text(path: &Path, max_bytes: u64) -> Result<String, String> {
    let bytes = read_bytes(path, max_bytes)?;
    String::from_utf8(bytes).map_err(|e| format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
}

/// Reads a whole regular file of at most `max_bytes`.
pub(crate) fn read_bytes(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    let file = open_regular(path)?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    if size > max_bytes {
        return Err(too_large(size, max_bytes));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // A file that grows while it is read must still stop at the cap.
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    Ok(bytes)
}

fn too_large(size: u64, max_bytes: u64) -> String {
    format!("is {size} bytes, more than the {max_bytes} bytes discosim reads from such a file")
}

/// Longest name that may become a file or folder name (a scenario's, a chart's).
pub(crate) const MAX_NAME_BYTES: usize = 64;

/// Checks that `name` can serve as one file or folder name, and nothing more: ASCII letters,
/// digits, `-`, `_` and `.`, not starting with `.`, at most `MAX_NAME_BYTES` long. So no
/// name from a scenario or a results folder can reach outside the folder it is written in
/// (`/tmp/x`, `../x`, `..`, `a/b`), hide a file, or carry a NUL.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    const RULE: &str = "a name is 1 to 64 ASCII letters, digits, `-`, `_` or `.`, not starting with `.`";
    let bad = |why: &str| Err(format!("`{}` {why}: {RULE}", name.escape_debug()));
    if name.is_empty() {
        return bad("is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!("is {} bytes long: {RULE}", name.len()));
    }
    if name.starts_with('.') {
        return bad("starts with `.`");
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return bad(&format!("holds `{}`", c.escape_debug()));
    }
    Ok(())
}

/// Opens `path` for reading if it is a regular file. Opened without blocking, so a FIFO is
/// recognised by its type instead of waiting forever for a writer.
pub(crate) fn open_regular(path: &Path) -> Result<File, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| e.to_string())?;
    let kind = file.metadata().map_err(|e| e.to_string())?.file_type();
    if !kind.is_file() {
        return Err(format!("is not a regular file ({}); discosim reads only regular files", kind_name(&kind)));
    }
    Ok(file)
}

fn kind_name(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() { "a folder" } else { "not a plain file" }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "hello").unwrap();
        assert_eq!(read_text(&path, 5).unwrap(), "hello");
        assert!(read_text(&path, 4).unwrap_err().contains("more than the 4 bytes"));
    }

    #[test]
    fn refuses_folders_devices_and_fifos_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_text(dir.path(), 10).unwrap_err().contains("a folder"));
        assert!(read_text(Path::new("/dev/zero"), 10).unwrap_err().contains("a device"));
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a NUL-terminated path and touches nothing else.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(read_text(&fifo, 10).unwrap_err().contains("a FIFO"));
    }

    #[test]
    fn names_are_one_safe_path_component() {
        for good in ["heartbeat", "end-to-end", "a_b.c", "x1", &"a".repeat(64)] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", ".", "..", ".hidden", "/tmp/x", "../../x", "a/b", "a\\b", "a\0b", "é", "a b", &"a".repeat(65)]
        {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_invalid_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b");
        std::fs::write(&path, [b'a', 0xff]).unwrap();
        assert!(read_text(&path, 10).unwrap_err().contains("not UTF-8"));
    }
}
