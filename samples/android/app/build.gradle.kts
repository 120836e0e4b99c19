plugins {
    id("com.android.application")
}

android {
    namespace = "io.bifrost.sample"
    compileSdk = 34

    defaultConfig {
        applicationId = "io.bifrost.sample"
        minSdk = 26
        targetSdk = 34
        versionCode = 1
        versionName = "1.0"
    }

    compileOptions {
        // The SDK is Java 11; desugaring brings java.util.concurrent.CompletableFuture to API 26.
        isCoreLibraryDesugaringEnabled = true
        sourceCompatibility = JavaVersion.VERSION_11
        targetCompatibility = JavaVersion.VERSION_11
    }
}

dependencies {
    implementation("io.bifrost:bifrost-sdk-android:0.1.0-SNAPSHOT")
    implementation("io.github.webrtc-sdk:android:125.6422.07") // a build of org.webrtc
    coreLibraryDesugaring("com.android.tools:desugar_jdk_libs:2.0.4")
}
