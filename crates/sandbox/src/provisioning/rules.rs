//! What the sandbox checks in the provisioning resources clients send: the shape of a bundle
//! identifier and of a device's UDID, and the class a registered device gets.

use ascert_models::{BundleIdPlatform, DeviceClass};

/// Whether `identifier` is a bundle identifier Apple registers: letters, digits, `.` and `-`,
/// reverse-DNS (no empty part), optionally ending in a `*` wildcard (`com.example.*`, or `*`
/// alone).
pub(crate) fn valid_identifier(identifier: &str) -> bool {
    let explicit = identifier.strip_suffix('*').map_or(Some(identifier), |stem| {
        // A wildcard: `*` alone, or a `.`-ended stem before it.
        if stem.is_empty() {
            None
        } else {
            stem.strip_suffix('.')
        }
    });
    let Some(explicit) = explicit else {
        return identifier == "*";
    };
    !explicit.is_empty()
        && explicit
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Whether `udid` is a UDID a device of `platform` has: the 40 hexadecimal digits of older iOS
/// devices, or `8-16` hexadecimal digits (`00008110-000A1B2C3D4E801E`) of newer ones and of Apple
/// silicon Macs; Intel Macs' provisioning UDIDs are UUIDs (`8-4-4-4-12`).
pub(crate) fn valid_udid(udid: &str, platform: &BundleIdPlatform) -> bool {
    let hex_groups = |lengths: &[usize]| {
        let groups: Vec<&str> = udid.split('-').collect();
        groups.len() == lengths.len()
            && groups
                .iter()
                .zip(lengths)
                .all(|(group, len)| group.len() == *len && group.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    match platform {
        BundleIdPlatform::Ios => hex_groups(&[40]) || hex_groups(&[8, 16]),
        BundleIdPlatform::MacOs => hex_groups(&[8, 16]) || hex_groups(&[8, 4, 4, 4, 12]),
        _ => false,
    }
}

/// The class of a device registered for `platform`: a UDID does not say which kind of iOS device
/// it is, so the sandbox says iPhone, as most are; a `MAC_OS` device is a Mac.
pub(crate) fn device_class(platform: &BundleIdPlatform) -> DeviceClass {
    match platform {
        BundleIdPlatform::MacOs => DeviceClass::Mac,
        _ => DeviceClass::Iphone,
    }
}

/// The name Apple's device-limit answer gives the family of `class` ("… registered iPhone
/// devices").
pub(crate) fn family_name(class: &DeviceClass) -> &str {
    match class {
        DeviceClass::AppleVisionPro => "Apple Vision Pro",
        DeviceClass::AppleWatch => "Apple Watch",
        DeviceClass::Ipad => "iPad",
        DeviceClass::Iphone => "iPhone",
        DeviceClass::Ipod => "iPod touch",
        DeviceClass::AppleTv => "Apple TV",
        DeviceClass::Mac => "Mac",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_reverse_dns_with_an_optional_wildcard() {
        for good in [
            "com.example.app",
            "com.ex-ample.App2",
            "com.example.*",
            "*",
            "app",
        ] {
            assert!(valid_identifier(good), "{good}");
        }
        for bad in [
            "",
            "com..app",
            "com.example.",
            "com.example*",
            "com.ex_ample",
            "com.é",
            ".com",
            "**",
            "com.*.app",
        ] {
            assert!(!valid_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn udids_have_the_shapes_of_their_platform() {
        let ios = BundleIdPlatform::Ios;
        let mac = BundleIdPlatform::MacOs;
        assert!(valid_udid("0be51c8f4397715104873b50a3deb980bfa2c797", &ios));
        assert!(valid_udid("00008110-000E49383CF8801E", &ios));
        assert!(valid_udid("00008103-000A1B2C3D4E801E", &mac));
        assert!(valid_udid("3D7FADF5-D61B-5F6B-A254-0123456789AB", &mac));
        assert!(!valid_udid("3D7FADF5-D61B-5F6B-A254-0123456789AB", &ios));
        assert!(!valid_udid("0be51c8f4397715104873b50a3deb980bfa2c79", &ios));
        assert!(!valid_udid("00008110-000E49383CF8801G", &ios));
        assert!(!valid_udid(
            "00008110-000E49383CF8801E",
            &BundleIdPlatform::Universal
        ));
        assert_eq!(device_class(&mac), DeviceClass::Mac);
        assert_eq!(family_name(&device_class(&ios)), "iPhone");
    }
}
