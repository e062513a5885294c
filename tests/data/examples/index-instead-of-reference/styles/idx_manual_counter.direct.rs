pub struct Peer { pub addr: u32, pub score: i32 }

pub fn peer(peers: &mut Vec<Peer>, addr: u32) -> &mut Peer {
    for p in peers.iter_mut() {
        if p.addr == addr {
            return p;
        }
    }
    peers.push(Peer { addr, score: 0 });
    peers.last_mut().unwrap()
}
