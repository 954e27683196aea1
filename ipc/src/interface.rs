//! `interface!`: one declaration makes the trait, the proxy and the stub.

/// Declares an IPC interface.
///
/// ```
/// use yunhal_ipc::{interface, Status};
///
/// interface! {
///     /// Says hello back.
///     pub trait IGreeter: "yunhal.example.IGreeter", version 2 {
///         /// Greets `name`.
///         1 => fn greet(name: String) -> String;
///         /// Fire and forget.
///         2 => oneway poke(times: u32);
///         /// Added in version 2.
///         3 => fn count() -> u64;
///     }
/// }
///
/// struct Greeter;
/// impl IGreeter for Greeter {
///     fn greet(&self, name: String) -> Result<String, Status> {
///         Ok(format!("hello, {name}"))
///     }
///     fn poke(&self, _times: u32) -> Result<(), Status> {
///         Ok(())
///     }
///     fn count(&self) -> Result<u64, Status> {
///         Ok(0)
///     }
/// }
/// ```
///
/// Each method has a stable code (never reuse one), `fn` for a two-way call
/// or `oneway` for a call that returns as soon as it is sent. Arguments and
/// results are serde types; [`Fd`](crate::Fd) and [`Strong`](crate::Strong)
/// carry file descriptors and objects, and [`Bytes`](crate::Bytes) carries
/// a byte payload in one copy (a `Vec<u8>` is encoded byte by byte). The service implements the trait; a
/// client gets a `Strong<dyn ITrait>` whose methods go over IPC (it is a
/// [`Proxy`](crate::Proxy)). A service can override `on_client_gone` to
/// release what a client that went away held.
#[macro_export]
macro_rules! interface {
    (
        $(#[$meta:meta])*
        $vis:vis trait $name:ident : $descriptor:literal, version $version:literal {
            $(
                $(#[$mmeta:meta])*
                $code:literal => $kind:ident $method:ident ( $($arg:ident : $argty:ty),* $(,)? ) $(-> $ret:ty)? ;
            )*
        }
    ) => {
        $(#[$meta])*
        $vis trait $name: ::std::marker::Send + ::std::marker::Sync + 'static {
            $(
                $(#[$mmeta])*
                fn $method(&self $(, $arg: $argty)*)
                    -> ::std::result::Result<$crate::__interface_ret!($($ret)?), $crate::Status>;
            )*

            /// A client connection closed (its process died or let go):
            /// release what it held. `peer.connection` names the connection.
            fn on_client_gone(&self, _peer: &$crate::PeerInfo) {}

            #[doc(hidden)]
            fn __yunhal_handle(&self) -> ::std::option::Option<&$crate::Handle> {
                ::std::option::Option::None
            }
        }

        impl $crate::Interface for dyn $name {
            const DESCRIPTOR: &'static str = $descriptor;
            const VERSION: u32 = $version;

            fn method_name(code: u32) -> ::std::option::Option<&'static str> {
                match code {
                    $($code => ::std::option::Option::Some(::std::stringify!($method)),)*
                    _ => ::std::option::Option::None,
                }
            }

            fn dispatch(
                this: &Self,
                code: u32,
                data: &[u8],
                reply: &mut ::std::vec::Vec<u8>,
            ) -> ::std::result::Result<(), $crate::Status> {
                match code {
                    $(
                        $code => {
                            #[allow(unused_parens, clippy::let_unit_value)]
                            let ($($arg,)*): ($($argty,)*) = $crate::__private::decode_args(data)?;
                            #[allow(clippy::let_unit_value)]
                            let result = this.$method($($arg),*)?;
                            $crate::__private::encode_result(reply, &result)
                        }
                    )*
                    _ => ::std::result::Result::Err($crate::__private::unknown_method($descriptor, $version, code)),
                }
            }

            fn new_proxy(handle: $crate::Handle) -> ::std::sync::Arc<Self> {
                ::std::sync::Arc::new($crate::Proxy::<dyn $name>::new(handle))
            }

            fn handle_of(this: &Self) -> ::std::option::Option<&$crate::Handle> {
                this.__yunhal_handle()
            }

            fn client_gone(this: &Self, peer: &$crate::PeerInfo) {
                this.on_client_gone(peer)
            }
        }

        impl $name for $crate::Proxy<dyn $name> {
            $(
                fn $method(&self $(, $arg: $argty)*)
                    -> ::std::result::Result<$crate::__interface_ret!($($ret)?), $crate::Status>
                {
                    $crate::__interface_call!(
                        $kind, self.handle(), $descriptor, $version, $code, ($($arg,)*)
                    )
                }
            )*

            fn __yunhal_handle(&self) -> ::std::option::Option<&$crate::Handle> {
                ::std::option::Option::Some(self.handle())
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __interface_ret {
    () => {
        ()
    };
    ($ret:ty) => {
        $ret
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __interface_call {
    (fn, $handle:expr, $descriptor:expr, $version:expr, $code:expr, $args:expr) => {
        $crate::__private::call_args($handle, $descriptor, $version, $code, $args)
    };
    (oneway, $handle:expr, $descriptor:expr, $version:expr, $code:expr, $args:expr) => {
        $crate::__private::call_oneway_args($handle, $descriptor, $version, $code, $args)
    };
}
