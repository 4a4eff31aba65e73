/** Splits a `zookeeper.connect` value `h1:2181,h2:2181/chroot` into the server list and the chroot. */
export function splitZookeeperConnect(connect: string): { servers: string; chroot: string } {
  const slash = connect.indexOf('/');
  return slash < 0
    ? { servers: connect, chroot: '' }
    : { servers: connect.slice(0, slash), chroot: connect.slice(slash) };
}
