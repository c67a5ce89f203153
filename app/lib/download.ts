/**
 * Saves what a URL of the app answers as a file, named by its Content-Disposition. Fetched
 * rather than linked: inside the admin, App Bridge adds the session token to fetches. False
 * when the server refused.
 */
export async function downloadFile(path: string, fallbackName: string): Promise<boolean> {
  const response = await fetch(path);
  if (!response.ok) return false;
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  link.click();
  URL.revokeObjectURL(url);
  return true;
}
