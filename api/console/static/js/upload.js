// A manuscript or a voice clip goes straight to storage: POST /v1/uploads gives a presigned URL signed for the file's exact
// type and size, and the browser PUTs the bytes there. The API never sees them. XMLHttpRequest rather than
// fetch, because only it reports upload progress.

import { ApiError, api } from "./api.js";

/** What an upload may be, by file name: a manuscript, or a reference clip for a cloned voice. */
export const BOOKS = {
  types: { ".epub": "application/epub+zip", ".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain" },
  names: "an EPUB (.epub), Markdown (.md) or text (.txt) file",
};
export const CLIPS = {
  types: { ".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac" },
  names: "a WAV, MP3 or FLAC recording",
};
export const ACCEPT = Object.keys(BOOKS.types).join(",");

/** The upload content type for a file name, or null for a file kontho does not take as ``kind``. */
export function contentTypeFor(name, kind = BOOKS) {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? null : kind.types[name.slice(dot).toLowerCase()] || null;
}

/** Uploads ``file``; ``onProgress(sent, total)`` as bytes go out. Resolves to the API's upload. */
export async function uploadFile(file, onProgress, kind = BOOKS) {
  const type = contentTypeFor(file.name, kind);
  if (!type) {
    throw new ApiError(422, {
      code: "unsupported_file",
      field: "file",
      message: `${file.name} is not a file kontho reads: choose ${kind.names}`,
    });
  }
  if (file.size === 0) {
    throw new ApiError(422, { code: "empty_file", field: "file", message: `${file.name} is empty` });
  }
  const upload = await api("/v1/uploads", {
    method: "POST",
    body: { content_type: type, bytes: file.size, filename: file.name.slice(0, 255) },
  });
  await put(upload, file, onProgress);
  return upload;
}

function put(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method || "PUT", upload.url);
    for (const [name, value] of Object.entries(upload.headers || {})) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (event) => onProgress?.(event.loaded, event.total || file.size));
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        resolve();
      } else {
        reject(new ApiError(xhr.status, {
          code: "upload_refused",
          field: "file",
          message: `storage refused the file (HTTP ${xhr.status}); try again`,
        }));
      }
    });
    // A refused connection and a missing CORS rule on the bucket look the same to a page.
    xhr.addEventListener("error", () => reject(new ApiError(0, {
      code: "upload_failed",
      field: "file",
      message: "the file could not be sent to storage (the connection failed or the bucket refused this site)",
    })));
    xhr.send(file);
  });
}
