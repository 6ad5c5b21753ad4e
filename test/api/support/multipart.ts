/** A multipart/form-data body with one file part, for `inject()`. */
import { randomBytes } from 'node:crypto';

export function multipartFile(
  field: string,
  filename: string,
  content: string | Buffer,
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----sentinel-test-${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: text/csv\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, Buffer.isBuffer(content) ? content : Buffer.from(content), tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
